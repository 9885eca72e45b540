package ipvs

import (
	"fmt"
	"os"
	"slices"
	"syscall"

	"github.com/cloudflare/ipvs"
)

// fakeClient is an in-memory IPVS with the kernel's errnos for missing
// and duplicate entries. It records every call as a line of text.
type fakeClient struct {
	svcs  []*fakeService
	cfg   ipvs.Config
	calls []string
	// failOn makes the call with this name fail with failErr.
	failOn  string
	failErr error
}

type fakeService struct {
	svc   ipvs.Service
	dests []ipvs.Destination
}

var _ ipvs.Client = (*fakeClient)(nil)

// svcID is what the kernel looks a service up by.
func svcID(s ipvs.Service) string {
	if s.FWMark != 0 {
		return fmt.Sprintf("fwm %d af %d", s.FWMark, s.Family)
	}
	return fmt.Sprintf("%d %s", s.Protocol, netipPort(s.Address.String(), s.Port))
}

func netipPort(a string, p uint16) string { return fmt.Sprintf("[%s]:%d", a, p) }

func (f *fakeClient) call(name string, args ...any) error {
	f.calls = append(f.calls, fmt.Sprint(append([]any{name}, args...)...))
	if f.failOn == name {
		return f.failErr
	}
	return nil
}

func (f *fakeClient) find(s ipvs.Service) int {
	return slices.IndexFunc(f.svcs, func(x *fakeService) bool { return svcID(x.svc) == svcID(s) })
}

func (f *fakeClient) Info() (ipvs.Info, error) { return ipvs.Info{Version: [3]int{1, 2, 1}}, nil }

func (f *fakeClient) Config() (ipvs.Config, error) { return f.cfg, f.call("Config") }

func (f *fakeClient) SetConfig(c ipvs.Config) error {
	if err := f.call("SetConfig", " ", c.TCPTimeout, " ", c.TCPFinTimeout, " ", c.UDPTimeout); err != nil {
		return err
	}
	// The kernel leaves a zero timeout unchanged.
	for _, p := range []struct{ dst, src *uint32 }{{&f.cfg.TCPTimeout, &c.TCPTimeout}, {&f.cfg.TCPFinTimeout, &c.TCPFinTimeout}, {&f.cfg.UDPTimeout, &c.UDPTimeout}} {
		if *p.src != 0 {
			*p.dst = *p.src
		}
	}
	return nil
}

func (f *fakeClient) Services() ([]ipvs.ServiceExtended, error) {
	if err := f.call("Services"); err != nil {
		return nil, err
	}
	if len(f.svcs) == 0 {
		return nil, os.ErrNotExist // as the library does on an empty dump
	}
	var out []ipvs.ServiceExtended
	for _, s := range f.svcs {
		svc := s.svc
		svc.Flags |= ipvs.ServiceHashed
		out = append(out, ipvs.ServiceExtended{Service: svc, Stats64: ipvs.Stats{Connections: 7}})
	}
	return out, nil
}

func (f *fakeClient) Service(s ipvs.Service) (ipvs.ServiceExtended, error) {
	i := f.find(s)
	if i < 0 {
		return ipvs.ServiceExtended{}, syscall.ESRCH
	}
	return ipvs.ServiceExtended{Service: f.svcs[i].svc}, nil
}

func (f *fakeClient) CreateService(s ipvs.Service) error {
	if err := f.call("CreateService ", svcID(s)); err != nil {
		return err
	}
	if f.find(s) >= 0 {
		return syscall.EEXIST
	}
	f.svcs = append(f.svcs, &fakeService{svc: s})
	return nil
}

func (f *fakeClient) UpdateService(s ipvs.Service) error {
	if err := f.call("UpdateService ", svcID(s)); err != nil {
		return err
	}
	i := f.find(s)
	if i < 0 {
		return syscall.ESRCH
	}
	f.svcs[i].svc = s
	return nil
}

func (f *fakeClient) RemoveService(s ipvs.Service) error {
	if err := f.call("RemoveService ", svcID(s)); err != nil {
		return err
	}
	i := f.find(s)
	if i < 0 {
		return syscall.ESRCH
	}
	f.svcs = slices.Delete(f.svcs, i, i+1)
	return nil
}

func (f *fakeClient) Destinations(s ipvs.Service) ([]ipvs.DestinationExtended, error) {
	i := f.find(s)
	if i < 0 {
		return nil, syscall.ESRCH
	}
	if len(f.svcs[i].dests) == 0 {
		return nil, os.ErrNotExist
	}
	var out []ipvs.DestinationExtended
	for _, d := range f.svcs[i].dests {
		out = append(out, ipvs.DestinationExtended{Destination: d, ActiveConnections: 2, Stats: ipvs.Stats{Connections: 3}})
	}
	return out, nil
}

func (f *fakeClient) findDest(s ipvs.Service, d ipvs.Destination) (*fakeService, int, error) {
	i := f.find(s)
	if i < 0 {
		return nil, 0, syscall.ESRCH
	}
	fs := f.svcs[i]
	j := slices.IndexFunc(fs.dests, func(x ipvs.Destination) bool { return x.Address == d.Address && x.Port == d.Port })
	return fs, j, nil
}

func (f *fakeClient) CreateDestination(s ipvs.Service, d ipvs.Destination) error {
	if err := f.call("CreateDestination ", svcID(s), " ", netipPort(d.Address.String(), d.Port)); err != nil {
		return err
	}
	fs, j, err := f.findDest(s, d)
	if err != nil {
		return err
	}
	if j >= 0 {
		return syscall.EEXIST
	}
	fs.dests = append(fs.dests, d)
	return nil
}

func (f *fakeClient) UpdateDestination(s ipvs.Service, d ipvs.Destination) error {
	if err := f.call("UpdateDestination ", svcID(s), " ", netipPort(d.Address.String(), d.Port)); err != nil {
		return err
	}
	fs, j, err := f.findDest(s, d)
	if err != nil {
		return err
	}
	if j < 0 {
		return syscall.ENOENT
	}
	fs.dests[j] = d
	return nil
}

func (f *fakeClient) RemoveDestination(s ipvs.Service, d ipvs.Destination) error {
	if err := f.call("RemoveDestination ", svcID(s), " ", netipPort(d.Address.String(), d.Port)); err != nil {
		return err
	}
	fs, j, err := f.findDest(s, d)
	if err != nil {
		return err
	}
	if j < 0 {
		return syscall.ENOENT
	}
	fs.dests = slices.Delete(fs.dests, j, j+1)
	return nil
}

func ipvsConfig(tcp, fin, udp uint32) ipvs.Config {
	return ipvs.Config{TCPTimeout: tcp, TCPFinTimeout: fin, UDPTimeout: udp}
}
