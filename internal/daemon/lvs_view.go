package daemon

import (
	"encoding/json"
	"net/netip"

	"github.com/keepalived-go/keepalived/internal/control"
	"github.com/keepalived-go/keepalived/internal/lvs"
)

// RenderLVS renders what a dataplane holds as ipvsadm -Ln, -Ln --stats
// and -Ln --rate print it, and as JSON (keepalivedctl lvs list and its
// options).
func RenderLVS(st []lvs.ServiceState) control.LVSView {
	v := control.LVSView{List: lvs.RenderString(st, lvs.Plain), Stats: lvs.RenderString(st, lvs.WithStats),
		Rate: lvs.RenderString(st, lvs.WithRate)}
	out := make([]jsonService, 0, len(st))
	for _, s := range st {
		js := jsonService{Scheduler: s.Scheduler, Flags: s.Flags, PersistenceSeconds: int(s.Persistence.Seconds()), Stats: s.Stats}
		if s.Key.FWMark != 0 {
			js.FWMark, js.Family = s.Key.FWMark, s.Key.Family
		} else {
			js.Protocol, js.Addr, js.Port = s.Key.Protocol.String(), s.Key.Addr, s.Key.Port
		}
		if s.Persistence > 0 {
			js.Netmask = s.Netmask
		}
		for _, d := range s.Dests {
			js.RealServers = append(js.RealServers, jsonDest{Addr: d.Key.Addr, Port: d.Key.Port, Forward: d.Method.String(),
				Weight: d.Weight, ActiveConns: d.ActiveConns, InactiveConns: d.InactiveConns, PersistConns: d.PersistConns, Stats: d.Stats})
		}
		out = append(out, js)
	}
	if b, err := json.Marshal(out); err == nil {
		v.Services = b
	}
	return v
}

// jsonService and jsonDest are a virtual server and a real server in the
// JSON of keepalivedctl lvs list --json, named as ipvsadm names things.
type jsonService struct {
	Protocol           string         `json:"protocol,omitempty"`
	Addr               netip.Addr     `json:"address,omitzero"`
	Port               uint16         `json:"port,omitempty"`
	FWMark             uint32         `json:"fwmark,omitempty"`
	Family             int            `json:"family,omitempty"`
	Scheduler          string         `json:"scheduler"`
	Flags              lvs.SchedFlags `json:"flags"`
	PersistenceSeconds int            `json:"persistent,omitempty"`
	Netmask            int            `json:"netmask,omitempty"`
	Stats              lvs.Stats      `json:"stats"`
	RealServers        []jsonDest     `json:"real_servers"`
}

type jsonDest struct {
	Addr          netip.Addr `json:"address"`
	Port          uint16     `json:"port"`
	Forward       string     `json:"forward"`
	Weight        int        `json:"weight"`
	ActiveConns   uint32     `json:"active_conns"`
	InactiveConns uint32     `json:"inactive_conns"`
	PersistConns  uint32     `json:"persist_conns"`
	Stats         lvs.Stats  `json:"stats"`
}
