package track

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keepalived-go/keepalived/internal/config"
)

func ref(name string, w int, reverse bool) config.TrackRef {
	return config.TrackRef{Name: name, Weight: w, Reverse: reverse}
}

func TestCompute(t *testing.T) {
	ok := map[string]ScriptState{"chk": ScriptOK}
	bad := map[string]ScriptState{"chk": ScriptFail}
	tests := []struct {
		name  string
		inst  config.VRRPInstance
		group *config.VRRPSyncGroup
		st    Status
		want  Priority
	}{
		{"no trackers", config.VRRPInstance{Priority: 100}, nil, Status{}, Priority{Total: 100}},
		{"script weight -30 failing", config.VRRPInstance{Priority: 100, TrackScripts: []config.TrackRef{ref("chk", -30, false)}},
			nil, Status{Scripts: bad}, Priority{Total: 70}},
		{"script weight -30 ok", config.VRRPInstance{Priority: 100, TrackScripts: []config.TrackRef{ref("chk", -30, false)}},
			nil, Status{Scripts: ok}, Priority{Total: 100}},
		{"script weight 20 ok", config.VRRPInstance{Priority: 100, TrackScripts: []config.TrackRef{ref("chk", 20, false)}},
			nil, Status{Scripts: ok}, Priority{Total: 120}},
		{"script weight 20 failing", config.VRRPInstance{Priority: 100, TrackScripts: []config.TrackRef{ref("chk", 20, false)}},
			nil, Status{Scripts: bad}, Priority{Total: 100}},
		{"script weight 20 reverse ok", config.VRRPInstance{Priority: 100, TrackScripts: []config.TrackRef{ref("chk", 20, true)}},
			nil, Status{Scripts: ok}, Priority{Total: 80}},
		{"script weight -20 reverse failing", config.VRRPInstance{Priority: 100, TrackScripts: []config.TrackRef{ref("chk", -20, true)}},
			nil, Status{Scripts: bad}, Priority{Total: 120}},
		{"priority 254 + 20 not clamped here", config.VRRPInstance{Priority: 254, TrackScripts: []config.TrackRef{ref("chk", 20, false)}},
			nil, Status{Scripts: ok}, Priority{Total: 274}},
		{"priority 10 - 30", config.VRRPInstance{Priority: 10, TrackScripts: []config.TrackRef{ref("chk", -30, false)}},
			nil, Status{Scripts: bad}, Priority{Total: -20}},
		{"script weight 0 failing is FAULT", config.VRRPInstance{Priority: 100, TrackScripts: []config.TrackRef{ref("chk", 0, false)}},
			nil, Status{Scripts: bad}, Priority{Total: 100, Faults: []string{"script chk"}}},
		{"script weight 0 reverse ok is FAULT", config.VRRPInstance{Priority: 100, TrackScripts: []config.TrackRef{ref("chk", 0, true)}},
			nil, Status{Scripts: ok}, Priority{Total: 100, Faults: []string{"script chk"}}},
		{"script weight 0 in INIT waits", config.VRRPInstance{Priority: 100, TrackScripts: []config.TrackRef{ref("chk", 0, false)}},
			nil, Status{}, Priority{Total: 100, Waiting: []string{"chk"}}},
		{"weighted script in INIT adds nothing", config.VRRPInstance{Priority: 100, TrackScripts: []config.TrackRef{ref("chk", -30, false)}},
			nil, Status{}, Priority{Total: 100}},
		{"interface down weight 0", config.VRRPInstance{Priority: 100, TrackInterfaces: []config.TrackRef{ref("eth1", 0, false)}},
			nil, Status{}, Priority{Total: 100, Faults: []string{"interface eth1 down"}}},
		{"interface up weight 10, down weight -10", config.VRRPInstance{Priority: 100,
			TrackInterfaces: []config.TrackRef{ref("eth1", 10, false), ref("eth2", -10, false)}},
			nil, Status{Interfaces: map[string]bool{"eth1": true}}, Priority{Total: 100}},
		{"file value 5 weight 2", config.VRRPInstance{Priority: 100, TrackFiles: []config.TrackRef{ref("f", 2, false)}},
			nil, Status{Files: map[string]int64{"f": 5}}, Priority{Total: 110}},
		{"file value 5 weight 2 reverse", config.VRRPInstance{Priority: 100, TrackFiles: []config.TrackRef{ref("f", 2, true)}},
			nil, Status{Files: map[string]int64{"f": 5}}, Priority{Total: 90}},
		{"file capped at 253", config.VRRPInstance{Priority: 100, TrackFiles: []config.TrackRef{ref("f", 1, false)}},
			nil, Status{Files: map[string]int64{"f": 1000}}, Priority{Total: 353}},
		{"file -254 is FAULT", config.VRRPInstance{Priority: 100, TrackFiles: []config.TrackRef{ref("f", 1, false)}},
			nil, Status{Files: map[string]int64{"f": -300}}, Priority{Total: 100, Faults: []string{"tracked file f has status -254"}}},
		{"file weight 0 non-zero is FAULT", config.VRRPInstance{Priority: 100, TrackFiles: []config.TrackRef{ref("f", 0, false)}},
			nil, Status{Files: map[string]int64{"f": 3}}, Priority{Total: 100, Faults: []string{"tracked file f has status -254"}}},
		{"file weight 0 zero is fine", config.VRRPInstance{Priority: 100, TrackFiles: []config.TrackRef{ref("f", 0, false)}},
			nil, Status{}, Priority{Total: 100}},
		{"file weight 0 reverse zero is FAULT", config.VRRPInstance{Priority: 100, TrackFiles: []config.TrackRef{ref("f", 0, true)}},
			nil, Status{}, Priority{Total: 100, Faults: []string{"tracked file f has status -254"}}},
		{"process quorum lost weight 0", config.VRRPInstance{Priority: 100, TrackProcesses: []config.TrackRef{ref("haproxy", 0, false)}},
			nil, Status{}, Priority{Total: 100, Faults: []string{"tracked process haproxy quorum not achieved"}}},
		{"process quorum lost weight -50", config.VRRPInstance{Priority: 100, TrackProcesses: []config.TrackRef{ref("haproxy", -50, false)}},
			nil, Status{}, Priority{Total: 50}},
		{"owner unchanged, weight-0 fault kept", config.VRRPInstance{Priority: 255,
			TrackScripts:    []config.TrackRef{ref("chk", -30, false), ref("chk0", 0, false)},
			TrackInterfaces: []config.TrackRef{ref("eth1", 10, false)}},
			nil, Status{Scripts: map[string]ScriptState{"chk": ScriptFail, "chk0": ScriptFail}},
			Priority{Total: 255, Faults: []string{"script chk0"}}},
		{"sync member weights ignored, weighted interface becomes fault tracker",
			config.VRRPInstance{Priority: 100,
				TrackScripts:    []config.TrackRef{ref("chk", -30, false)},
				TrackInterfaces: []config.TrackRef{ref("eth1", 10, false)}},
			&config.VRRPSyncGroup{}, Status{Scripts: bad},
			Priority{Total: 100, Faults: []string{"interface eth1 down"}}},
		{"sync_group_tracking_weight keeps member weights",
			config.VRRPInstance{Priority: 100, TrackScripts: []config.TrackRef{ref("chk", -30, false)}},
			&config.VRRPSyncGroup{TrackingWeight: true}, Status{Scripts: bad}, Priority{Total: 70}},
		{"group trackers apply to members with their weights",
			config.VRRPInstance{Priority: 100},
			&config.VRRPSyncGroup{TrackScripts: []config.TrackRef{ref("chk", -30, false)}, TrackFiles: []config.TrackRef{ref("f", 0, false)}},
			Status{Scripts: bad, Files: map[string]int64{"f": 1}},
			Priority{Total: 70, Faults: []string{"tracked file f has status -254"}}},
		{"several reasons in order", config.VRRPInstance{Priority: 100,
			TrackInterfaces: []config.TrackRef{ref("eth1", 0, false)},
			TrackScripts:    []config.TrackRef{ref("chk", 0, false)}},
			nil, Status{Scripts: bad}, Priority{Total: 100, Faults: []string{"interface eth1 down", "script chk"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(&tt.inst, tt.group, tt.st)
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("Compute (-want +got):\n%s", d)
			}
		})
	}
}

func TestFaultLog(t *testing.T) {
	for reason, want := range map[string]string{
		"interface eth1 down":                         "(VI_1): entering FAULT state (interface eth1 down)",
		"script chk_haproxy":                          "(VI_1): entering FAULT state due to script chk_haproxy",
		"tracked process haproxy quorum not achieved": "(VI_1) entering FAULT state (tracked process haproxy quorum not achieved)",
		"tracked file F has status -254":              "(VI_1): entering FAULT state (tracked file F has status -254)",
	} {
		if got := FaultLog("VI_1", reason); got != want {
			t.Errorf("FaultLog(%q) = %q, want %q", reason, got, want)
		}
	}
}
