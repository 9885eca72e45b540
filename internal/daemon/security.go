package daemon

import (
	"log/slog"
	"slices"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/sys/exec"
)

// secureScripts applies keepalived's script security at start and at
// each reload (check_script_secure): every script is looked up and its
// path checked; problems are logged with keepalived's wording
// ("Unsafe permissions found for script '/path' - disabling."). With
// enable_script_security an insecure script is disabled: it never runs
// and a vrrp_script is no longer tracked, a MISC_CHECK is removed. Scripts that cannot be found
// are disabled too, as keepalived does.
func secureScripts(c *config.Config, log *slog.Logger) {
	enforce := c.Global.EnableScriptSecurity
	seen := map[string]exec.Security{}
	// secure looks s up, logging its problems once per file.
	secure := func(s *config.Script) exec.Security {
		path, err := exec.ResolveScript(s.Args[0], false)
		if err != nil {
			path = s.Args[0]
		}
		sec, ok := seen[path]
		if !ok {
			sec = exec.CheckSecurity(path, enforce)
			seen[path] = sec
			if sec.Log != "" {
				log.Warn(sec.Log)
			}
		}
		return sec
	}
	// check says whether s may run.
	check := func(s *config.Script) bool {
		if s == nil || len(s.Args) == 0 {
			return true
		}
		sec := secure(s)
		return !sec.Inhibit && !sec.NotFound
	}
	keep := func(p **config.Script) {
		if !check(*p) {
			*p = nil
		}
	}
	g := &c.Global
	for _, p := range []**config.Script{&g.NotifyFIFOScript, &g.VRRPNotifyFIFOScript, &g.LVSNotifyFIFOScript, &g.StartupScript, &g.ShutdownScript} {
		keep(p)
	}
	disabled := map[string]bool{}
	c.Scripts = slices.DeleteFunc(c.Scripts, func(s *config.VRRPScript) bool {
		if !check(s.Script) {
			disabled[s.Name] = true
			return true
		}
		return false
	})
	untrack := func(refs []config.TrackRef) []config.TrackRef {
		return slices.DeleteFunc(refs, func(r config.TrackRef) bool { return disabled[r.Name] })
	}
	for _, in := range c.Instances {
		for _, p := range []**config.Script{&in.NotifyMaster, &in.NotifyBackup, &in.NotifyFault, &in.NotifyStop, &in.NotifyDeleted, &in.Notify, &in.NotifyMasterRxLowerPri} {
			keep(p)
		}
		in.TrackScripts = untrack(in.TrackScripts)
	}
	for _, sg := range c.SyncGroups {
		for _, p := range []**config.Script{&sg.NotifyMaster, &sg.NotifyBackup, &sg.NotifyFault, &sg.NotifyStop, &sg.Notify} {
			keep(p)
		}
		sg.TrackScripts = untrack(sg.TrackScripts)
	}
	for _, vs := range c.VirtualServers {
		keep(&vs.QuorumUp)
		keep(&vs.QuorumDown)
		for _, rs := range vs.RealServers {
			keep(&rs.NotifyUp)
			keep(&rs.NotifyDown)
			rs.MiscCheck = slices.DeleteFunc(rs.MiscCheck, func(mc *config.MiscCheck) bool {
				return !secureMisc(mc, secure, log)
			})
		}
	}
}

// secureMisc is keepalived's check_misc_script_security for one
// MISC_CHECK: an insecure script (with enable_script_security) or one
// that cannot be found is removed, so the real server is judged by its
// other checkers only.
func secureMisc(mc *config.MiscCheck, secure func(*config.Script) exec.Security, log *slog.Logger) bool {
	if mc.Path == nil || len(mc.Path.Args) == 0 {
		return true
	}
	sec := secure(mc.Path)
	switch {
	case sec.Inhibit:
		log.Info("Disabling misc script " + strings.Join(mc.Path.Args, " ") + " due to insecure")
		return false
	case sec.NotFound:
		log.Info("Disabling misc script " + strings.Join(mc.Path.Args, " ") + " since not found/accessible")
		return false
	}
	return true
}
