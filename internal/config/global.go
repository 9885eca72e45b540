package config

import (
	"net/netip"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// GlobalSection holds global_defs and the other process-wide settings.
type GlobalSection struct {
	Global Global `json:"global_defs"`
}

// Global is the global_defs block.
//
// The fields below are the ones other sections read (VRRP instances copy
// the GARP settings when they are parsed, for example); their names are
// fixed. The rest of global_defs is added beside them.
type Global struct {
	RouterID             string `json:"router_id"`
	EnableScriptSecurity bool   `json:"enable_script_security"`
	// ScriptUser and ScriptGroup are script_user's user and group.
	ScriptUser  string `json:"script_user,omitempty"`
	ScriptGroup string `json:"script_group,omitempty"`

	// SMTPAlert, SMTPAlertVRRP and SMTPAlertChecker are the defaults of the
	// per-object smtp_alert keywords; nil means not configured.
	SMTPAlert        *bool `json:"smtp_alert,omitempty"`
	SMTPAlertVRRP    *bool `json:"smtp_alert_vrrp,omitempty"`
	SMTPAlertChecker *bool `json:"smtp_alert_checker,omitempty"`

	DefaultInterface  string `json:"default_interface"`
	DynamicInterfaces bool   `json:"dynamic_interfaces"`

	VRRPMcastGroup4 netip.Addr `json:"vrrp_mcast_group4"`
	VRRPMcastGroup6 netip.Addr `json:"vrrp_mcast_group6"`
	VRRPVersion     int        `json:"vrrp_version"`

	GarpMasterDelay         Duration `json:"vrrp_garp_master_delay"`
	GarpMasterRepeat        int      `json:"vrrp_garp_master_repeat"`
	GarpMasterRefresh       Duration `json:"vrrp_garp_master_refresh"`
	GarpMasterRefreshRepeat int      `json:"vrrp_garp_master_refresh_repeat"`
	GarpLowerPrioDelay      Duration `json:"vrrp_garp_lower_prio_delay"`
	GarpLowerPrioRepeat     int      `json:"vrrp_garp_lower_prio_repeat"`
	GarpInterval            Duration `json:"vrrp_garp_interval"`
	GnaInterval             Duration `json:"vrrp_gna_interval"`
	GarpExtraIf             Duration `json:"vrrp_garp_extra_if"`
	GarpExtraIfAll          bool     `json:"vrrp_garp_extra_if_all"`

	DownTimerAdverts      int  `json:"vrrp_down_timer_adverts"`
	LowerPrioNoAdvert     bool `json:"vrrp_lower_prio_no_advert"`
	HigherPrioSendAdvert  bool `json:"vrrp_higher_prio_send_advert"`
	OwnerIgnoreAdverts    bool `json:"vrrp_owner_ignore_adverts"`
	CheckUnicastSrc       bool `json:"vrrp_check_unicast_src"`
	SkipCheckAdvAddr      bool `json:"vrrp_skip_check_adv_addr"`
	Strict                bool `json:"vrrp_strict"`
	V3ChecksumAsV2        bool `json:"v3_checksum_as_v2"`
	NotifyPriorityChanges bool `json:"vrrp_notify_priority_changes"`

	// LVSDataplane is ours: ipvs, nftables or auto.
	LVSDataplane string `json:"lvs_dataplane"`
}

func newGlobalSection() GlobalSection {
	return GlobalSection{Global: Global{
		DefaultInterface:        "eth0",
		VRRPMcastGroup4:         netip.MustParseAddr("224.0.0.18"),
		VRRPMcastGroup6:         netip.MustParseAddr("ff02::12"),
		VRRPVersion:             2,
		GarpMasterDelay:         5 * Second,
		GarpMasterRepeat:        5,
		GarpMasterRefreshRepeat: 1,
		GarpLowerPrioDelay:      5 * Second,
		GarpLowerPrioRepeat:     5,
		DownTimerAdverts:        3,
		LVSDataplane:            "auto",
	}}
}

var globalRoot = table[Config]{
	"global_defs": blk(func(p *parser, n *syntax.Node, c *Config) {
		parseBlock(p, n.Children, &c.Global, globalDefsTable)
	}),
}

var globalDefsTable = table[Global]{
	"router_id": kw(func(p *parser, n *syntax.Node, g *Global) {
		if s, ok := p.str(n); ok {
			g.RouterID = s
		}
	}),
	"enable_script_security": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.EnableScriptSecurity = p.flag(n)
	}),
}

func (p *parser) validateGlobal() {}
