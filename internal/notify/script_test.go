package notify

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/keepalived-go/keepalived/internal/config"
)

func sc(args ...string) *config.Script { return &config.Script{Args: args} }

func TestInstanceCommands(t *testing.T) {
	full := &config.VRRPInstance{Name: "VI_1",
		NotifyMaster: sc("/m.sh"), NotifyBackup: &config.Script{Args: []string{"/b.sh", "x"}, User: "nobody"},
		NotifyFault: sc("/f.sh"), NotifyStop: sc("/s.sh"), Notify: sc("/n.sh", "a b")}
	tests := []struct {
		name  string
		v     *config.VRRPInstance
		state State
		prio  int
		want  []Command
		as    State
	}{
		{"master: own then generic", full, Master, 100, []Command{
			{Args: []string{"/m.sh"}},
			{Args: []string{"/n.sh", "a b", "INSTANCE", "VI_1", "MASTER", "100"}}}, Master},
		{"backup keeps user", full, Backup, 90, []Command{
			{Args: []string{"/b.sh", "x"}, User: "nobody"},
			{Args: []string{"/n.sh", "a b", "INSTANCE", "VI_1", "BACKUP", "90"}}}, Backup},
		{"stop has 1 s timeout", full, Stop, 100, []Command{
			{Args: []string{"/s.sh"}, Timeout: time.Second},
			{Args: []string{"/n.sh", "a b", "INSTANCE", "VI_1", "STOP", "100"}, Timeout: time.Second}}, Stop},
		{"deleted without notify_deleted is FAULT", full, Deleted, 100, []Command{
			{Args: []string{"/f.sh"}},
			{Args: []string{"/n.sh", "a b", "INSTANCE", "VI_1", "FAULT", "100"}}}, Fault},
		{"notify_deleted without script", &config.VRRPInstance{Name: "VI_2", NotifyDeleted: &config.Script{}, Notify: sc("/n")},
			Deleted, 50, []Command{{Args: []string{"/n", "INSTANCE", "VI_2", "DELETED", "50"}}}, Deleted},
		{"nothing configured", &config.VRRPInstance{Name: "VI_3"}, Master, 100, nil, Master},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, as := InstanceCommands(tt.v, tt.state, tt.prio)
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" || as != tt.as {
				t.Errorf("InstanceCommands (-want +got):\n%s state %v", d, as)
			}
		})
	}
}

func TestGroupCommands(t *testing.T) {
	g := &config.VRRPSyncGroup{Name: "VG_1", NotifyMaster: sc("/gm"), Notify: sc("/gn")}
	got := GroupCommands(g, Master)
	want := []Command{{Args: []string{"/gm"}}, {Args: []string{"/gn", "GROUP", "VG_1", "MASTER", "0"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("GroupCommands (-want +got):\n%s", d)
	}
	if got := GroupCommands(g, Fault); len(got) != 1 || got[0].Args[3] != "FAULT" {
		t.Errorf("fault: %v", got)
	}
	if got := FIFOScriptCommand(sc("/r", "-v"), "/run/fifo"); !cmp.Equal(got.Args, []string{"/r", "-v", "/run/fifo"}) {
		t.Errorf("FIFOScriptCommand = %v", got.Args)
	}
}

func TestFIFOLines(t *testing.T) {
	tests := []struct {
		got  []byte
		want string
	}{
		{InstanceLine("VI_1", Master, 100), "INSTANCE \"VI_1\" MASTER 100\n"},
		{InstanceLine("VI_1", MasterRxLowerPri, 100), "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 100\n"},
		{InstanceLine("VI_1", BackupPriority, 70), "INSTANCE \"VI_1\" BACKUP_PRIORITY 70\n"},
		{InstanceLine("VI_1", MasterPriority, 120), "INSTANCE \"VI_1\" MASTER_PRIORITY 120\n"},
		{InstanceLine("VI_1", Deleted, 100), "INSTANCE \"VI_1\" DELETED 100\n"},
		{GroupLine("VG_1", Backup), "GROUP \"VG_1\" BACKUP 0\n"},
		{GroupLine("VG_1", Stop), "GROUP \"VG_1\" STOP 0\n"},
		{VSLine("[192.0.2.1]:tcp:80", true), "VS [192.0.2.1]:tcp:80 UP\n\x00"},
		{VSLine("FWM 5", false), "VS FWM 5 DOWN\n\x00"},
		{VSLine("[G1]:0", true), "VS [G1]:0 UP\n\x00"},
		{RSLine("[192.0.2.2]:tcp:80", "[192.0.2.1]:tcp:80", false), "RS [192.0.2.2]:tcp:80 [192.0.2.1]:tcp:80 DOWN\n\x00"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("line %q, want %q", tt.got, tt.want)
		}
		if _, ok := ParseLine(string(tt.got)); !ok {
			t.Errorf("ParseLine(%q) failed", tt.got)
		}
	}
}

func TestParseLine(t *testing.T) {
	w, ok := ParseLine("INSTANCE \"VI \\\" 1\" MASTER 100\n")
	if !ok || !cmp.Equal(w, []string{"INSTANCE", "VI \\\" 1", "MASTER", "100"}) {
		t.Errorf("ParseLine = %q %v", w, ok)
	}
	for _, bad := range []string{"", "INSTANCE VI_1 MASTER 100\n", "INSTANCE \"VI_1\" MASTER 100", "FOO x\n", "VS x\n", "GROUP \"G\" A B C\n"} {
		if _, ok := ParseLine(bad); ok {
			t.Errorf("ParseLine(%q) accepted", bad)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{"INSTANCE \"VI_1\" MASTER 100\n", "GROUP \"G\" BACKUP 0\n", "VS FWM 5 UP\n\x00", "RS a b DOWN\n\x00", "INSTANCE \"\" X 1\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, ok := ParseLine(s)
		if !ok {
			return
		}
		if (w[0] == "INSTANCE" || w[0] == "GROUP") && len(w) == 4 {
			st := State(0)
			for x := Master; x <= BackupPriority; x++ {
				if x.String() == w[2] {
					st = x
				}
			}
			if st != 0 && w[0] == "INSTANCE" {
				if _, err := fmtInt(w[3]); err == nil {
					back, ok := ParseLine(string(InstanceLine(w[1], st, mustInt(w[3]))))
					if !ok || !cmp.Equal(back, w) {
						t.Fatalf("round trip %q -> %q", w, back)
					}
				}
			}
		}
	})
}
