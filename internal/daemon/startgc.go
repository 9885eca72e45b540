package daemon

import (
	"os"
	"runtime/debug"
	"sync"
)

// startupGCPercent is the collector's target while the process starts.
//
// Until the first programming of the dataplane, the heap only grows: the
// configuration's tree, the configuration, the model and the first
// changes are all live when the collector looks, so its cycles there
// find little garbage and take CPU from the start (in bench/ipvsprog's
// VM, 1,000 virtual servers x 10 reached the kernel 10-20 % sooner with
// 800 than with the default 100). 800 lets the heap grow to nine times
// what the last cycle found live, during the start only.
const startupGCPercent = 800

// StartupGC raises the collector's target for the start and returns the
// function that puts it back (it does so once; later calls do nothing).
// A GOGC in the environment is the operator's choice and is left alone.
func StartupGC() (done func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(startupGCPercent)
	var once sync.Once
	return func() { once.Do(func() { debug.SetGCPercent(prev) }) }
}

// started tells Options.Started, if set, that the start is done.
func (o Options) started() {
	if o.Started != nil {
		o.Started()
	}
}
