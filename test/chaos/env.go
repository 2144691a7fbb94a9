package chaos

import (
	"context"

	"github.com/capo-ng/cluster-api-provider-openstack/test/fleet"
)

// Password is the simulator user's password in the campaign: distinctive, so that a log line
// holding it is found.
const Password = "chaos-Pa55w0rd-7f3b9e"

// ManagerArgs are the manager's flags in the campaign: a request timeout the "slow" faults
// exceed, and rate limits that do not slow the runs down.
var ManagerArgs = []string{
	"--openstack-request-timeout=" + RequestTimeout.String(),
	"--openstack-read-qps=50", "--openstack-read-burst=100", "--openstack-write-qps=20", "--openstack-write-burst=40",
	"--kube-api-qps=100", "--kube-api-burst=200", "--sync-period=1m", "--v=6", // every OpenStack request logged (masked): the log scan then sees them all
}

// StartEnv starts the shared environment of a campaign: the framework with its default (fast)
// latencies and the manager as its own process.
func StartEnv(ctx context.Context) (*fleet.Env, error) {
	return fleet.Start(ctx, fleet.Options{ManagerArgs: ManagerArgs, Password: Password})
}
