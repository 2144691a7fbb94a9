package controllers

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	infrav1 "github.com/capo-ng/cluster-api-provider-openstack/api/v1beta2"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/clients"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/cloud"
	"github.com/capo-ng/cluster-api-provider-openstack/pkg/scope"
)

// How long to wait before looking again at a problem the user has to fix. A spec change
// triggers a reconcile at once; this only catches fixes made outside Kubernetes.
const userFixRequeue = 2 * time.Minute

// missingSecretRequeue is how soon an object whose identityRef Secret does not exist looks
// again: manifests are often applied with the Secret last, and Secrets are not watched (the
// manager may not list Secrets). It costs one Secret read, no OpenStack call.
const missingSecretRequeue = 5 * time.Second

// conditionsObject is an object with metav1 conditions and a generation.
type conditionsObject interface {
	GetGeneration() int64
	GetConditions() []metav1.Condition
	SetConditions([]metav1.Condition)
}

func setCondition(obj conditionsObject, typ string, status metav1.ConditionStatus, reason, message string) {
	conds := obj.GetConditions()
	meta.SetStatusCondition(&conds, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: message, ObservedGeneration: obj.GetGeneration(),
	})
	obj.SetConditions(conds)
}

func markTrue(obj conditionsObject, typ, message string) {
	setCondition(obj, typ, metav1.ConditionTrue, infrav1.ReadyReason, message)
}

func markFalse(obj conditionsObject, typ, reason, message string) {
	setCondition(obj, typ, metav1.ConditionFalse, reason, message)
}

// isCurrent reports whether condition typ is True and was computed for the current spec.
func isCurrent(obj conditionsObject, typ string) bool {
	c := meta.FindStatusCondition(obj.GetConditions(), typ)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == obj.GetGeneration()
}

// markError sets condition typ from err and says when to look again. Problems the user must
// fix carry OpenStack's own message and a hint; transient ones are retried sooner.
func markError(obj conditionsObject, typ string, err error) time.Duration {
	reason, msg, requeue := explain(err)
	markFalse(obj, typ, reason, msg)
	return requeue
}

// explain turns an error into a condition reason, a message for the user and a requeue delay.
func explain(err error) (string, string, time.Duration) {
	if scope.IsSecretMissing(err) {
		return infrav1.InvalidCredentialsReason, err.Error(), missingSecretRequeue
	}
	if errors.Is(err, scope.ErrInvalidIdentity) {
		return infrav1.InvalidCredentialsReason, err.Error(), userFixRequeue
	}
	if cloud.IsInvalidSpec(err) {
		return infrav1.InvalidSpecReason, err.Error(), userFixRequeue
	}
	kind := clients.Classify(err)
	msg := err.Error()
	if um := clients.UserMessage(err); um != "" && !strings.Contains(msg, um) {
		msg = fmt.Sprintf("%s: %s", msg, um)
	}
	switch {
	case kind == clients.KindUnauthorized:
		return infrav1.InvalidCredentialsReason, msg + " (check the credentials in the identityRef Secret)", userFixRequeue
	case kind == clients.KindOverQuota:
		return infrav1.CloudErrorReason, msg + " (raise the project's quota or free resources)", userFixRequeue
	case kind.UserFixable():
		return infrav1.CloudErrorReason, msg, userFixRequeue
	case kind == clients.KindConflict:
		return infrav1.TransientErrorReason, msg, clients.ConflictRequeue
	}
	requeue := clients.RetryAfter(err)
	if requeue <= 0 {
		requeue = clients.TransientRequeue
	}
	return infrav1.TransientErrorReason, msg, requeue
}

// summarizeReady sets Ready from the given conditions: True when all are True, else False with
// the reason and message of the first one that is not.
func summarizeReady(obj conditionsObject, types ...string) {
	for _, t := range types {
		c := meta.FindStatusCondition(obj.GetConditions(), t)
		switch {
		case c == nil:
			markFalse(obj, infrav1.ReadyCondition, infrav1.NotReadyReason, t+" has not been reconciled yet")
			return
		case c.Status != metav1.ConditionTrue:
			markFalse(obj, infrav1.ReadyCondition, c.Reason, t+": "+c.Message)
			return
		}
	}
	markTrue(obj, infrav1.ReadyCondition, "")
}
