package control

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// stateValue is the numeric value of a VRRP state in metrics:
// keepalived's own numbers (vrrp.h), as its SNMP MIB and keepalived.json
// use them.
var stateValue = map[string]float64{"INIT": 0, "BACKUP": 1, "MASTER": 2, "FAULT": 3, "STOP": 98}

// Labels of the keepalived exporter's (github.com/mehdy/keepalived-exporter)
// per-instance series.
var exporterLabels = []string{"iname", "intf", "vrid"}

func newDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	descUp = newDesc("keepalived_up", "1 while keepalived runs (the keepalived exporter's series).")

	// The keepalived exporter's names and labels.
	descState = newDesc("keepalived_vrrp_state",
		"VRRP instance state per VIP (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 98 STOP).", "iname", "intf", "vrid", "ip_address")
	descExporterStats = []struct {
		desc *prometheus.Desc
		get  func(*VRRPStats) uint64
	}{
		{newDesc("keepalived_advertisements_received_total", "Advertisements received.", exporterLabels...), func(s *VRRPStats) uint64 { return s.AdvertRcvd }},
		{newDesc("keepalived_advertisements_sent_total", "Advertisements sent.", exporterLabels...), func(s *VRRPStats) uint64 { return s.AdvertSent }},
		{newDesc("keepalived_become_master_total", "Times the instance became master.", exporterLabels...), func(s *VRRPStats) uint64 { return s.BecomeMaster }},
		{newDesc("keepalived_release_master_total", "Times the instance released master.", exporterLabels...), func(s *VRRPStats) uint64 { return s.ReleaseMaster }},
		{newDesc("keepalived_packet_length_errors_total", "Adverts with a bad length.", exporterLabels...), func(s *VRRPStats) uint64 { return s.PacketLenErr }},
		{newDesc("keepalived_advertisements_interval_errors_total", "Adverts with another interval.", exporterLabels...), func(s *VRRPStats) uint64 { return s.AdvertIntervalErr }},
		{newDesc("keepalived_ip_ttl_errors_total", "Adverts with a bad TTL.", exporterLabels...), func(s *VRRPStats) uint64 { return s.IPTTLErr }},
		{newDesc("keepalived_invalid_type_received_total", "Adverts of an invalid type.", exporterLabels...), func(s *VRRPStats) uint64 { return s.InvalidTypeRcvd }},
		{newDesc("keepalived_address_list_errors_total", "Adverts whose address list differs.", exporterLabels...), func(s *VRRPStats) uint64 { return s.AddrListErr }},
		{newDesc("keepalived_authentication_invalid_total", "Adverts with an invalid authentication type.", exporterLabels...), func(s *VRRPStats) uint64 { return s.InvalidAuthType }},
		{newDesc("keepalived_authentication_mismatch_total", "Adverts with another authentication type.", exporterLabels...), func(s *VRRPStats) uint64 { return s.AuthTypeMismatch }},
		{newDesc("keepalived_authentication_failure_total", "Adverts failing authentication.", exporterLabels...), func(s *VRRPStats) uint64 { return s.AuthFailure }},
		{newDesc("keepalived_priority_zero_received_total", "Priority 0 adverts received.", exporterLabels...), func(s *VRRPStats) uint64 { return s.PriZeroRcvd }},
		{newDesc("keepalived_priority_zero_sent_total", "Priority 0 adverts sent.", exporterLabels...), func(s *VRRPStats) uint64 { return s.PriZeroSent }},
	}

	// Ours.
	descPriority     = newDesc("keepalived_vrrp_priority", "Effective VRRP priority.", "instance")
	descBasePriority = newDesc("keepalived_vrrp_base_priority", "Configured VRRP priority.", "instance")
	descRx           = newDesc("keepalived_vrrp_adverts_received_total", "VRRP advertisements received and accepted.", "instance")
	descTx           = newDesc("keepalived_vrrp_adverts_sent_total", "VRRP advertisements sent.", "instance")
	descDrops        = newDesc("keepalived_vrrp_adverts_dropped_total", "VRRP advertisements ignored, by reason.", "instance", "reason")
	descTransitions  = newDesc("keepalived_vrrp_transitions_total", "VRRP state changes of the instance.", "instance")
	descSince        = newDesc("keepalived_vrrp_last_transition_timestamp_seconds", "Time of the instance's last state change.", "instance")
	descRSUp         = newDesc("keepalived_real_server_up", "1 when the real server passes its checks.", "virtual_server", "real_server")
	descRSWeight     = newDesc("keepalived_real_server_weight", "Real server weight in the dataplane.", "virtual_server", "real_server")
	descQuorum       = newDesc("keepalived_virtual_server_quorum_up", "1 when the virtual server has quorum.", "virtual_server")
	descScript       = newDesc("keepalived_script_status", "vrrp_script status: 1 GOOD, 0 BAD (the keepalived exporter's series).", "name")
	descCheckerUp    = newDesc("keepalived_checker_up", "1 when the health checker passes.", "virtual_server", "real_server", "checker", "target")

	// The dataplane, with node_exporter's ipvs names and labels under
	// keepalived_.
	svcLabels                = []string{"local_address", "local_port", "local_mark", "proto"}
	destLabels               = append(append([]string{}, svcLabels...), "remote_address", "remote_port")
	descIPVSConns            = newDesc("keepalived_ipvs_connections_total", "Connections the service has scheduled.", svcLabels...)
	descIPVSInPkts           = newDesc("keepalived_ipvs_incoming_packets_total", "Packets in to the service.", svcLabels...)
	descIPVSOutPkts          = newDesc("keepalived_ipvs_outgoing_packets_total", "Packets out of the service.", svcLabels...)
	descIPVSInBytes          = newDesc("keepalived_ipvs_incoming_bytes_total", "Bytes in to the service.", svcLabels...)
	descIPVSOutBytes         = newDesc("keepalived_ipvs_outgoing_bytes_total", "Bytes out of the service.", svcLabels...)
	descIPVSBackendActive    = newDesc("keepalived_ipvs_backend_connections_active", "Active connections to the real server.", destLabels...)
	descIPVSBackendInactive  = newDesc("keepalived_ipvs_backend_connections_inactive", "Inactive connections to the real server.", destLabels...)
	descIPVSBackendWeight    = newDesc("keepalived_ipvs_backend_weight", "The real server's weight in the dataplane.", destLabels...)
	descIPVSBackendConnTotal = newDesc("keepalived_ipvs_backend_connections_total", "Connections scheduled to the real server.", destLabels...)
)

// collector turns a Status into metrics at each scrape.
type collector struct {
	status func(context.Context) Status
	// top adds keepalived_up: the process that answers the scrape.
	top bool
}

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	prometheus.DescribeByCollect(c, ch)
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := c.status(ctx)
	if c.top {
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
	}
	for _, in := range s.Instances {
		vrid := strconv.Itoa(in.VRID)
		for _, vip := range in.VIPs {
			ch <- prometheus.MustNewConstMetric(descState, prometheus.GaugeValue, stateValue[in.State], in.Name, in.Interface, vrid, vip)
		}
		if in.Stats != nil {
			for _, d := range descExporterStats {
				ch <- prometheus.MustNewConstMetric(d.desc, prometheus.CounterValue, float64(d.get(in.Stats)), in.Name, in.Interface, vrid)
			}
		}
		ch <- prometheus.MustNewConstMetric(descPriority, prometheus.GaugeValue, float64(in.Priority), in.Name)
		ch <- prometheus.MustNewConstMetric(descBasePriority, prometheus.GaugeValue, float64(in.BasePriority), in.Name)
		ch <- prometheus.MustNewConstMetric(descRx, prometheus.CounterValue, float64(in.RxAdverts), in.Name)
		ch <- prometheus.MustNewConstMetric(descTx, prometheus.CounterValue, float64(in.TxAdverts), in.Name)
		ch <- prometheus.MustNewConstMetric(descTransitions, prometheus.CounterValue, float64(in.Transitions), in.Name)
		for reason, n := range in.Drops {
			ch <- prometheus.MustNewConstMetric(descDrops, prometheus.CounterValue, float64(n), in.Name, reason)
		}
		if !in.Since.IsZero() {
			ch <- prometheus.MustNewConstMetric(descSince, prometheus.GaugeValue, float64(in.Since.UnixNano())/1e9, in.Name)
		}
	}
	for _, sc := range s.Scripts {
		if v, ok := map[string]float64{"GOOD": 1, "BAD": 0}[sc.Status]; ok {
			ch <- prometheus.MustNewConstMetric(descScript, prometheus.GaugeValue, v, sc.Name)
		}
	}
	for _, vs := range s.VirtualServers {
		ch <- prometheus.MustNewConstMetric(descQuorum, prometheus.GaugeValue, b2f(vs.Quorum), vs.Name)
		for _, rs := range vs.RealServers {
			ch <- prometheus.MustNewConstMetric(descRSUp, prometheus.GaugeValue, b2f(rs.Up), vs.Name, rs.Name)
			ch <- prometheus.MustNewConstMetric(descRSWeight, prometheus.GaugeValue, float64(rs.Weight), vs.Name, rs.Name)
			for _, c := range rs.Checkers {
				ch <- prometheus.MustNewConstMetric(descCheckerUp, prometheus.GaugeValue, b2f(c.Up), vs.Name, rs.Name, c.Type, c.Target)
			}
		}
	}
	for _, svc := range s.LVSStats {
		addr := ""
		if svc.Addr.IsValid() {
			addr = svc.Addr.String()
		}
		sl := []string{addr, strconv.Itoa(int(svc.Port)), fwmark(svc.FWMark), svc.Protocol}
		for _, m := range []struct {
			d *prometheus.Desc
			v uint64
		}{{descIPVSConns, svc.Conns}, {descIPVSInPkts, svc.InPkts}, {descIPVSOutPkts, svc.OutPkts}, {descIPVSInBytes, svc.InBytes}, {descIPVSOutBytes, svc.OutBytes}} {
			ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, float64(m.v), sl...)
		}
		for _, d := range svc.Dests {
			dl := append(append([]string{}, sl...), d.Addr.String(), strconv.Itoa(int(d.Port)))
			ch <- prometheus.MustNewConstMetric(descIPVSBackendActive, prometheus.GaugeValue, float64(d.ActiveConns), dl...)
			ch <- prometheus.MustNewConstMetric(descIPVSBackendInactive, prometheus.GaugeValue, float64(d.InactiveConns), dl...)
			ch <- prometheus.MustNewConstMetric(descIPVSBackendWeight, prometheus.GaugeValue, float64(d.Weight), dl...)
			ch <- prometheus.MustNewConstMetric(descIPVSBackendConnTotal, prometheus.CounterValue, float64(d.Conns), dl...)
		}
	}
}

func fwmark(m uint32) string {
	if m == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(m), 10)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// NewRegistry is one process's metrics: the status as keepalived's series
// (keepalived_up too when top, the process answering scrapes), and the Go
// runtime's and the process's own series (go_goroutines,
// process_resident_memory_bytes, ...) labelled process=ROLE.
func NewRegistry(status func(context.Context) Status, role string, top bool) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{status: status, top: top})
	prometheus.WrapRegistererWith(prometheus.Labels{"process": role}, reg).MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// EncodeText renders what g gathers in the Prometheus text format.
func EncodeText(g prometheus.Gatherer) ([]byte, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// ParseText reads metrics in the Prometheus text format.
func ParseText(b []byte) ([]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	byName, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out := make([]*dto.MetricFamily, 0, len(byName))
	for _, mf := range byName {
		out = append(out, mf)
	}
	return out, nil
}

// ServeMetrics serves what g gathers on addr's /metrics until ctx is
// done.
func ServeMetrics(ctx context.Context, addr string, g prometheus.Gatherer) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// WithChildren is the parent's /metrics: its own registry and what each
// child's control socket (sockets, asked at each scrape) gives. A child
// that does not answer is left out of that scrape.
func WithChildren(own prometheus.Gatherer, sockets func() []string) prometheus.Gatherer {
	return prometheus.Gatherers{own, prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		var all []*dto.MetricFamily
		var errs []error
		for _, path := range sockets() {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			mfs, err := Client{Path: path}.Metrics(ctx)
			cancel()
			if err != nil {
				errs = append(errs, err)
				continue
			}
			all = append(all, mfs...)
		}
		return all, errors.Join(errs...)
	})}
}
