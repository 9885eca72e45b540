package daemon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/control"
	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// Default dump files (keepalived's, under its tmp directory).
const (
	defaultDataFile  = "/tmp/keepalived.data"
	defaultStatsFile = "/tmp/keepalived.stats"
	defaultJSONFile  = "/tmp/keepalived.json"
)

func orDefault(path, def string) string {
	if path == "" {
		return def
	}
	return path
}

// writeFileAtomic writes a dump through a temporary file and a rename, as
// keepalived does for its JSON, so readers never see half a file.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// writeStats renders keepalived.stats (SIGUSR2) as vrrp_print_stats does.
func writeStats(w io.Writer, list []vrrp.InstanceStatus) {
	for _, in := range list {
		s := in.Stats
		fmt.Fprintf(w, "VRRP Instance: %s\n", in.Name)
		fmt.Fprintf(w, "  Advertisements:\n    Received: %d\n    Sent: %d\n", s.AdvertRcvd, s.AdvertSent)
		fmt.Fprintf(w, "  Became master: %d\n  Released master: %d\n", s.BecomeMaster, s.ReleaseMaster)
		fmt.Fprintf(w, "  Packet Errors:\n    Length: %d\n    TTL: %d\n    Invalid Type: %d\n    Advertisement Interval: %d\n    Address List: %d\n",
			s.PacketLenErr, s.IPTTLErr, s.InvalidTypeRcvd, s.AdvertIntervalErr, s.AddrListErr)
		fmt.Fprintf(w, "  Authentication Errors:\n    Invalid Type: %d\n    Type Mismatch: %d\n    Failure: %d\n",
			s.InvalidAuthType, s.AuthTypeMismatch, s.AuthFailure)
		fmt.Fprintf(w, "  Priority Zero:\n    Received: %d\n    Sent: %d\n", s.PriZeroRcvd, s.PriZeroSent)
	}
}

// jsonInstance is one element of keepalived.json, fields in keepalived's
// order (vrrp_json.c).
type jsonInstance struct {
	Data  jsonData   `json:"data"`
	Stats vrrp.Stats `json:"stats"`
}

type jsonData struct {
	IName                string   `json:"iname"`
	DontTrackPrimary     int      `json:"dont_track_primary"`
	SkipCheckAdvAddr     int      `json:"skip_check_adv_addr"`
	StrictMode           int      `json:"strict_mode"`
	VMACIfname           string   `json:"vmac_ifname"`
	IfpIfname            string   `json:"ifp_ifname"`
	MasterPriority       int      `json:"master_priority"`
	LastTransition       float64  `json:"last_transition"`
	GarpDelay            float64  `json:"garp_delay"`
	GarpRefresh          int      `json:"garp_refresh"`
	GarpRep              int      `json:"garp_rep"`
	GarpRefreshRep       int      `json:"garp_refresh_rep"`
	GarpLowerPrioDelay   int      `json:"garp_lower_prio_delay"`
	GarpLowerPrioRep     int      `json:"garp_lower_prio_rep"`
	LowerPrioNoAdvert    int      `json:"lower_prio_no_advert"`
	HigherPrioSendAdvert int      `json:"higher_prio_send_advert"`
	VRID                 int      `json:"vrid"`
	BasePriority         int      `json:"base_priority"`
	EffectivePriority    int      `json:"effective_priority"`
	VIPSet               bool     `json:"vipset"`
	PromoteSecondaries   bool     `json:"promote_secondaries"`
	AdverInt             float64  `json:"adver_int"`
	MasterAdverInt       float64  `json:"master_adver_int"`
	Accept               int      `json:"accept"`
	NoPreempt            bool     `json:"nopreempt"`
	PreemptDelay         int      `json:"preempt_delay"`
	State                int      `json:"state"`
	WantState            int      `json:"wantstate"`
	Version              int      `json:"version"`
	SMTPAlert            bool     `json:"smtp_alert"`
	NotifyDeleted        bool     `json:"notify_deleted"`
	ScriptBackup         string   `json:"script_backup,omitempty"`
	ScriptMaster         string   `json:"script_master,omitempty"`
	ScriptFault          string   `json:"script_fault,omitempty"`
	ScriptStop           string   `json:"script_stop,omitempty"`
	ScriptDeleted        string   `json:"script_deleted,omitempty"`
	Script               string   `json:"script,omitempty"`
	ScriptMasterRxLower  string   `json:"script_master_rx_lower_pri,omitempty"`
	VIPs                 []string `json:"vips"`
	EVIPs                []string `json:"evips"`
	TrackIfp             []string `json:"track_ifp"`
	TrackScript          []string `json:"track_script"`
	AuthType             int      `json:"auth_type"`
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func scriptString(s *config.Script) string {
	if s == nil {
		return ""
	}
	return s.String()
}

var stateNumber = map[string]int{"INIT": 0, "BACKUP": 1, "MASTER": 2, "FAULT": 3, "STOP": 98}

// jsonDump renders keepalived.json (SIGRTMIN+2), json_version 1 (an
// array) or 2 (an object with "vrrp").
func jsonDump(list []vrrp.InstanceStatus, version int) ([]byte, error) {
	out := []jsonInstance{}
	for _, in := range list {
		c := in.Config
		d := jsonData{
			IName: in.Name, IfpIfname: in.Interface, VRID: in.VRID,
			BasePriority: in.BasePriority, EffectivePriority: in.Priority,
			State: stateNumber[in.State], WantState: stateNumber[in.State],
			VIPSet: in.State == "MASTER", VIPs: []string{}, EVIPs: []string{}, TrackIfp: []string{}, TrackScript: []string{},
		}
		if !in.Since.IsZero() {
			d.LastTransition = float64(in.Since.UnixMicro()) / 1e6
		}
		if in.State == "MASTER" {
			d.MasterPriority = in.Priority
		}
		if c != nil {
			d.DontTrackPrimary, d.SkipCheckAdvAddr, d.StrictMode = b2i(c.DontTrackPrimary), b2i(c.SkipCheckAdvAddr), b2i(c.Strict)
			d.GarpDelay = time.Duration(c.GarpMasterDelay).Seconds()
			d.GarpRefresh = int(time.Duration(c.GarpMasterRefresh).Seconds())
			d.GarpRep, d.GarpRefreshRep = c.GarpMasterRepeat, c.GarpMasterRefreshRepeat
			d.GarpLowerPrioDelay = int(time.Duration(c.GarpLowerPrioDelay).Seconds())
			d.GarpLowerPrioRep = c.GarpLowerPrioRepeat
			d.LowerPrioNoAdvert, d.HigherPrioSendAdvert = b2i(c.LowerPrioNoAdvert), b2i(c.HigherPrioSendAdvert)
			d.PromoteSecondaries = c.PromoteSecondaries
			d.AdverInt = time.Duration(c.AdvertInt).Seconds()
			d.MasterAdverInt = d.AdverInt
			d.Accept, d.NoPreempt = b2i(c.Accept), c.NoPreempt
			d.PreemptDelay = int(time.Duration(c.PreemptDelay).Seconds())
			d.Version, d.SMTPAlert = c.Version, c.SMTPAlert
			d.NotifyDeleted = c.NotifyDeleted != nil
			d.ScriptBackup, d.ScriptMaster, d.ScriptFault = scriptString(c.NotifyBackup), scriptString(c.NotifyMaster), scriptString(c.NotifyFault)
			d.ScriptStop, d.ScriptDeleted, d.Script = scriptString(c.NotifyStop), scriptString(c.NotifyDeleted), scriptString(c.Notify)
			d.ScriptMasterRxLower = scriptString(c.NotifyMasterRxLowerPri)
			for _, a := range c.VIPs {
				d.VIPs = append(d.VIPs, a.String())
			}
			for _, a := range c.ExcludedVIPs {
				d.EVIPs = append(d.EVIPs, a.String())
			}
			for _, t := range c.TrackInterfaces {
				d.TrackIfp = append(d.TrackIfp, t.Name)
			}
			for _, t := range c.TrackScripts {
				d.TrackScript = append(d.TrackScript, t.Name)
			}
			if c.Auth != nil && c.Auth.Type == "PASS" {
				d.AuthType = 1
			}
		}
		out = append(out, jsonInstance{Data: d, Stats: in.Stats})
	}
	var v any = out
	if version == 2 {
		v = struct {
			VRRP []jsonInstance `json:"vrrp"`
		}{out}
	}
	return json.Marshal(v)
}

// writeData renders keepalived.data (SIGUSR1): the VRRP topology as the
// daemon runs it.
func writeData(w io.Writer, list []vrrp.InstanceStatus) {
	fmt.Fprintf(w, "------< Global definitions >------\n")
	fmt.Fprintf(w, " Version = %s\n", Version)
	fmt.Fprintf(w, "------< VRRP Topology >------\n")
	for _, in := range list {
		fmt.Fprintf(w, " VRRP Instance = %s\n", in.Name)
		fmt.Fprintf(w, "   State = %s\n", in.State)
		if !in.Since.IsZero() {
			fmt.Fprintf(w, "   Last transition = %d (%s)\n", in.Since.Unix(), in.Since.UTC().Format(time.RFC1123))
		}
		fmt.Fprintf(w, "   Interface = %s\n", in.Interface)
		fmt.Fprintf(w, "   Virtual Router ID = %d\n", in.VRID)
		fmt.Fprintf(w, "   Priority = %d\n", in.BasePriority)
		fmt.Fprintf(w, "   Effective priority = %d\n", in.Priority)
		if in.Source.IsValid() {
			fmt.Fprintf(w, "   Using src_ip = %s\n", in.Source)
		}
		if in.Master.IsValid() {
			fmt.Fprintf(w, "   Master router = %s\n", in.Master)
		}
		if c := in.Config; c != nil {
			fmt.Fprintf(w, "   VRRP Version = %d\n", c.Version)
			fmt.Fprintf(w, "   Advert interval = %gsec\n", time.Duration(c.AdvertInt).Seconds())
			fmt.Fprintf(w, "   Preempt = %s\n", map[bool]string{true: "disabled", false: "enabled"}[c.NoPreempt])
			fmt.Fprintf(w, "   Virtual IP (%d):\n", len(c.VIPs))
			for _, a := range c.VIPs {
				fmt.Fprintf(w, "     %s\n", a)
			}
		}
	}
}

// roleDataFile is where a process writes its SIGUSR1 dump, with
// keepalived's names: keepalived.data for the VRRP process,
// keepalived_check.data for the checker ("check"), keepalived_parent.data
// for the parent ("parent"); state_dump_file replaces the default, and the
// role goes before its extension.
func roleDataFile(g *config.Global, role string) string {
	p := orDefault(g.StateDumpFile, defaultDataFile)
	if role == "" {
		return p
	}
	ext := filepath.Ext(p)
	return strings.TrimSuffix(p, ext) + "_" + role + ext
}

// writeCheckData renders keepalived_check.data: the virtual servers and
// their real servers as the checker runs them.
func writeCheckData(w io.Writer, vss []control.VirtualServer, dataplane string) {
	fmt.Fprintf(w, "------< Global definitions >------\n")
	fmt.Fprintf(w, " Version = %s\n", Version)
	fmt.Fprintf(w, " LVS dataplane = %s\n", dataplane)
	fmt.Fprintf(w, "------< LVS Topology >------\n")
	for _, vs := range vss {
		fmt.Fprintf(w, " VIP = %s\n", vs.Name)
		fmt.Fprintf(w, "   lb_algo = %s\n", vs.Scheduler)
		fmt.Fprintf(w, "   lb_kind = %s\n", vs.Method)
		fmt.Fprintf(w, "   Quorum = %s\n", map[bool]string{true: "up", false: "down"}[vs.Quorum])
		if vs.Sorry {
			fmt.Fprintf(w, "   Sorry server active\n")
		}
		for _, rs := range vs.RealServers {
			fmt.Fprintf(w, "   RIP = %s\n", rs.Name)
			fmt.Fprintf(w, "     Alive = %s\n", map[bool]string{true: "yes", false: "no"}[rs.Up])
			fmt.Fprintf(w, "     Weight = %d\n", rs.Weight)
			if rs.Reason != "" {
				fmt.Fprintf(w, "     Last failure = %s\n", rs.Reason)
			}
			for _, ck := range rs.Checkers {
				fmt.Fprintf(w, "     Checker = %s %s %s\n", ck.Type, ck.Target, map[bool]string{true: "up", false: "down"}[ck.Up])
			}
		}
	}
}

// writeParentData renders keepalived_parent.data: the parent and its
// children.
func writeParentData(w io.Writer, configFile string, children map[string]int) {
	fmt.Fprintf(w, "------< Global definitions >------\n")
	fmt.Fprintf(w, " Version = %s\n", Version)
	fmt.Fprintf(w, " Config file = %s\n", configFile)
	fmt.Fprintf(w, "------< Processes >------\n")
	fmt.Fprintf(w, " Parent pid = %d\n", os.Getpid())
	for _, role := range []string{"vrrp", "check"} {
		if pid, ok := children[role]; ok {
			fmt.Fprintf(w, " %s child pid = %d\n", map[string]string{"vrrp": "VRRP", "check": "Checker"}[role], pid)
		}
	}
}

// dump writes the file a signal asks for.
func dump(path string, render func(io.Writer)) error {
	var b bytes.Buffer
	render(&b)
	return writeFileAtomic(path, b.Bytes())
}
