package controllers

import "errors"

// kerrorsJoin joins a reconcile error with a failure to write status.
func kerrorsJoin(errs ...error) error { return errors.Join(errs...) }
