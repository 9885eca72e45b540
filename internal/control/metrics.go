package control

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// stateValue is the numeric value of a VRRP state in metrics:
// keepalived's own numbers (vrrp.h), as its SNMP MIB uses them.
var stateValue = map[string]float64{"INIT": 0, "BACKUP": 1, "MASTER": 2, "FAULT": 3, "STOP": 98}

var (
	descState = prometheus.NewDesc("keepalived_vrrp_state",
		"VRRP instance state (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 98 STOP).",
		[]string{"instance", "vrid", "interface"}, nil)
	descPriority = prometheus.NewDesc("keepalived_vrrp_priority",
		"Effective VRRP priority.", []string{"instance"}, nil)
	descBasePriority = prometheus.NewDesc("keepalived_vrrp_base_priority",
		"Configured VRRP priority.", []string{"instance"}, nil)
	descRx = prometheus.NewDesc("keepalived_vrrp_adverts_received_total",
		"VRRP advertisements received and accepted.", []string{"instance"}, nil)
	descTx = prometheus.NewDesc("keepalived_vrrp_adverts_sent_total",
		"VRRP advertisements sent.", []string{"instance"}, nil)
	descDrops = prometheus.NewDesc("keepalived_vrrp_adverts_dropped_total",
		"VRRP advertisements ignored, by reason.", []string{"instance", "reason"}, nil)
	descSince = prometheus.NewDesc("keepalived_vrrp_last_transition_timestamp_seconds",
		"Time of the instance's last state change.", []string{"instance"}, nil)
	descRSUp = prometheus.NewDesc("keepalived_real_server_up",
		"1 when the real server passes its checks.", []string{"virtual_server", "real_server"}, nil)
	descRSWeight = prometheus.NewDesc("keepalived_real_server_weight",
		"Real server weight in the dataplane.", []string{"virtual_server", "real_server"}, nil)
	descRSConns = prometheus.NewDesc("keepalived_real_server_active_connections",
		"Active connections to the real server.", []string{"virtual_server", "real_server"}, nil)
	descQuorum = prometheus.NewDesc("keepalived_virtual_server_quorum_up",
		"1 when the virtual server has quorum.", []string{"virtual_server"}, nil)
)

// collector turns a Status into metrics at each scrape.
type collector struct {
	status func(context.Context) Status
}

// NewCollector returns a Prometheus collector reading the status at each
// scrape.
func NewCollector(status func(context.Context) Status) prometheus.Collector {
	return collector{status: status}
}

func (collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descState, descPriority, descBasePriority, descRx, descTx, descDrops, descSince, descRSUp, descRSWeight, descRSConns, descQuorum} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := c.status(ctx)
	for _, in := range s.Instances {
		ch <- prometheus.MustNewConstMetric(descState, prometheus.GaugeValue, stateValue[in.State], in.Name, fmt.Sprint(in.VRID), in.Interface)
		ch <- prometheus.MustNewConstMetric(descPriority, prometheus.GaugeValue, float64(in.Priority), in.Name)
		ch <- prometheus.MustNewConstMetric(descBasePriority, prometheus.GaugeValue, float64(in.BasePriority), in.Name)
		ch <- prometheus.MustNewConstMetric(descRx, prometheus.CounterValue, float64(in.RxAdverts), in.Name)
		ch <- prometheus.MustNewConstMetric(descTx, prometheus.CounterValue, float64(in.TxAdverts), in.Name)
		for reason, n := range in.Drops {
			ch <- prometheus.MustNewConstMetric(descDrops, prometheus.CounterValue, float64(n), in.Name, reason)
		}
		if !in.Since.IsZero() {
			ch <- prometheus.MustNewConstMetric(descSince, prometheus.GaugeValue, float64(in.Since.UnixNano())/1e9, in.Name)
		}
	}
	for _, vs := range s.VirtualServers {
		ch <- prometheus.MustNewConstMetric(descQuorum, prometheus.GaugeValue, b2f(vs.Quorum), vs.Name)
		for _, rs := range vs.RealServers {
			ch <- prometheus.MustNewConstMetric(descRSUp, prometheus.GaugeValue, b2f(rs.Up), vs.Name, rs.Name)
			ch <- prometheus.MustNewConstMetric(descRSWeight, prometheus.GaugeValue, float64(rs.Weight), vs.Name, rs.Name)
			ch <- prometheus.MustNewConstMetric(descRSConns, prometheus.GaugeValue, float64(rs.ActiveConns), vs.Name, rs.Name)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// ServeMetrics serves /metrics on addr until ctx is done.
func ServeMetrics(ctx context.Context, addr string, status func(context.Context) Status) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(status))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
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
