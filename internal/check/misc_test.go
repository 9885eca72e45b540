package check

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// scriptRun returns the next exit status of statuses; -1 waits for ctx
// (misc_timeout), -9 is killed by signal 9.
func scriptRun(statuses ...int) RunFunc {
	var mu sync.Mutex
	i := 0
	return func(ctx context.Context, argv []string, user, group string) (int, bool, error) {
		mu.Lock()
		s := statuses[min(i, len(statuses)-1)]
		i++
		mu.Unlock()
		switch s {
		case -1:
			<-ctx.Done()
			return 0, false, ctx.Err()
		case -9:
			return 9, true, nil
		}
		return s, false, nil
	}
}

const miscConf = `
virtual_server 192.0.2.100 80 {
    delay_loop 10
    protocol TCP
    lvs_sched rr
    lvs_method NAT
    real_server 192.0.2.11 80 {
        weight 5
        MISC_CHECK {
            misc_path "/usr/local/bin/chk arg"
            misc_timeout 3
            misc_dynamic
            retry 1
            delay_before_retry 1
            warmup 0
        }
    }
}
`

func TestMiscDynamicAndMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h harness
		opts := h.opts(nil)
		// The weight lines are the LVS model's (internal/lvs), not
		// logged here. t=0 exit 12 (up, weight 10); 10 exit 0 (weight 5); 20 exit 1
		// (retry); 21 timeout (down); 34 signal 9 (down, nothing); 44 exit 2
		// (up, weight 0).
		opts.Run = scriptRun(12, 0, 1, -1, -9, 2)
		h.runFor(t, parseConf(t, miscConf), opts, 45*time.Second)
		vs := "[192.0.2.11]:tcp:80 VS [192.0.2.100]:tcp:80"
		h.check(t, []string{
			"Misc check for [" + vs + "] by [/usr/local/bin/chk] succeeded.",
			"Misc check for [" + vs + "] by [/usr/local/bin/chk] timed out after 1 retry.",
			"Misc check for [" + vs + "] by [/usr/local/bin/chk] succeeded.",
		}, []string{
			"init 192.0.2.11 80 up=true w=5",
			"weight 192.0.2.11 80 up=true w=10",
			"weight 192.0.2.11 80 up=true w=5",
			"down 192.0.2.11 80 up=false w=5 reason=timeout notify",
			"weight 192.0.2.11 80 up=false w=0",
			"up 192.0.2.11 80 up=true w=0 notify",
		})
	})
}

func TestMiscLogAllFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h harness
		opts := h.opts(nil)
		opts.Run = scriptRun(0, 1, 1, 1, -9)
		conf := "global_defs {\n checker_log_all_failures\n}\n" + miscConf
		h.runFor(t, parseConf(t, conf), opts, 22*time.Second)
		vs := "[192.0.2.11]:tcp:80 VS [192.0.2.100]:tcp:80"
		h.check(t, []string{
			"Misc check for [" + vs + "] by [/usr/local/bin/chk] succeeded.",
			"Misc check for [" + vs + "] by [/usr/local/bin/chk] failed, will do 1 retry (exited with status 1).",
			"Misc check for [" + vs + "] by [/usr/local/bin/chk] failed after 1 retry (exited with status 1).",
		}, []string{
			"init 192.0.2.11 80 up=true w=5",
			"down 192.0.2.11 80 up=false w=5 reason=exit status 1 notify",
		})
	})
}
