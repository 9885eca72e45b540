package config

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// GlobalSection holds global_defs and the other process-wide settings:
// the root-level keywords net_namespace, net_namespace_ipvs,
// namespace_with_ipsets, use_pid_dir, instance, child_wait_time,
// linkbeat_use_polling, linkbeat_interfaces and interface_up_down_delays.
type GlobalSection struct {
	Global Global `json:"global_defs"`

	// NetNamespace runs keepalived in this network namespace ("" = the
	// current one). It cannot change on reload and implies UsePidDir.
	NetNamespace string `json:"net_namespace,omitempty"`
	// NetNamespaceIPVS is the namespace whose IPVS is programmed: nil means
	// NetNamespace's, "" the default namespace.
	NetNamespaceIPVS *string `json:"net_namespace_ipvs,omitempty"`
	// NamespaceWithIpsets allows ipsets with a namespace on kernels before
	// 3.13.
	NamespaceWithIpsets bool `json:"namespace_with_ipsets"`
	// UsePidDir puts the pid files in /run/keepalived/ (set by
	// use_pid_dir, net_namespace or instance).
	UsePidDir bool `json:"use_pid_dir"`
	// Instance names this keepalived instance: pid files get "_NAME" and
	// ${_INSTANCE} expands to it. It implies UsePidDir.
	Instance string `json:"instance,omitempty"`
	// ChildWaitTime is how long the parent waits for its children to exit
	// at shutdown before killing them (whole seconds, default 5).
	ChildWaitTime Duration `json:"child_wait_time"`
	// LinkbeatUsePolling polls every interface's link state (MII, ethtool,
	// ioctl) instead of listening to netlink.
	LinkbeatUsePolling bool `json:"linkbeat_use_polling"`
	// LinkbeatInterfaces are the interfaces whose link state is polled.
	LinkbeatInterfaces []LinkbeatInterface `json:"linkbeat_interfaces,omitempty"`
	// InterfaceUpDownDelays delay acting on interface state changes.
	InterfaceUpDownDelays []InterfaceDelay `json:"interface_up_down_delays,omitempty"`
}

// Global is the global_defs block. Defaults are keepalived's; settings
// whose default depends on the host (router_id, notification_email_from,
// smtp_helo_name: the host name) are empty here and resolved at run time.
//
// The fields up to LVSDataplane are the ones other sections read (VRRP
// instances copy the GARP settings, for example); their names are fixed.
type Global struct {
	// RouterID identifies this host in alerts ("" = the host name).
	RouterID             string `json:"router_id"`
	EnableScriptSecurity bool   `json:"enable_script_security"`
	// ScriptUser and ScriptGroup are script_user's user and group ("" =
	// keepalived_script if it exists, else the user keepalived runs as).
	ScriptUser  string `json:"script_user,omitempty"`
	ScriptGroup string `json:"script_group,omitempty"`

	// SMTPAlert, SMTPAlertVRRP and SMTPAlertChecker are the defaults of the
	// per-object smtp_alert keywords; nil means not configured.
	SMTPAlert        *bool `json:"smtp_alert,omitempty"`
	SMTPAlertVRRP    *bool `json:"smtp_alert_vrrp,omitempty"`
	SMTPAlertChecker *bool `json:"smtp_alert_checker,omitempty"`

	// DefaultInterface is used by static addresses and routes without dev.
	DefaultInterface string `json:"default_interface"`
	// DynamicInterfaces allows interfaces that do not exist yet.
	DynamicInterfaces bool `json:"dynamic_interfaces"`

	VRRPMcastGroup4 netip.Addr `json:"vrrp_mcast_group4"`
	VRRPMcastGroup6 netip.Addr `json:"vrrp_mcast_group6"`
	VRRPVersion     int        `json:"vrrp_version"`

	// GarpMasterDelay is the delay of the second GARP burst after becoming
	// master (whole seconds, 0 = none).
	GarpMasterDelay Duration `json:"vrrp_garp_master_delay"`
	// GarpMasterRepeat is the number of GARPs per address in a burst.
	GarpMasterRepeat int `json:"vrrp_garp_master_repeat"`
	// GarpMasterRefresh is the interval of periodic GARPs while master
	// (whole seconds, 0 = none).
	GarpMasterRefresh       Duration `json:"vrrp_garp_master_refresh"`
	GarpMasterRefreshRepeat int      `json:"vrrp_garp_master_refresh_repeat"`
	// GarpLowerPrioDelay and GarpLowerPrioRepeat apply after an advert of
	// lower priority is received; unless set they follow GarpMasterDelay
	// and GarpMasterRepeat.
	GarpLowerPrioDelay  Duration `json:"vrrp_garp_lower_prio_delay"`
	GarpLowerPrioRepeat int      `json:"vrrp_garp_lower_prio_repeat"`
	// GarpInterval and GnaInterval are the minimum gaps between GARPs and
	// unsolicited NAs on one interface (0 = none).
	GarpInterval Duration `json:"vrrp_garp_interval"`
	GnaInterval  Duration `json:"vrrp_gna_interval"`
	// GarpExtraIf is the interval of GARPs on the interfaces of addresses
	// not on the instance's interface (whole seconds, 0 = off); with
	// GarpExtraIfAll, on every interface.
	GarpExtraIf    Duration `json:"vrrp_garp_extra_if"`
	GarpExtraIfAll bool     `json:"vrrp_garp_extra_if_all"`

	// DownTimerAdverts is the number of adverts missed before the master
	// is declared down.
	DownTimerAdverts      int  `json:"vrrp_down_timer_adverts"`
	LowerPrioNoAdvert     bool `json:"vrrp_lower_prio_no_advert"`
	HigherPrioSendAdvert  bool `json:"vrrp_higher_prio_send_advert"`
	OwnerIgnoreAdverts    bool `json:"vrrp_owner_ignore_adverts"`
	CheckUnicastSrc       bool `json:"vrrp_check_unicast_src"`
	SkipCheckAdvAddr      bool `json:"vrrp_skip_check_adv_addr"`
	Strict                bool `json:"vrrp_strict"`
	V3ChecksumAsV2        bool `json:"v3_checksum_as_v2"`
	NotifyPriorityChanges bool `json:"vrrp_notify_priority_changes"`

	// LVSDataplane is ours: ipvs, nftables or auto (ipvs when the kernel
	// has it, else nftables).
	LVSDataplane string `json:"lvs_dataplane"`
	// MetricsListen is ours: the address of the Prometheus metrics
	// listener (unset = off).
	MetricsListen netip.AddrPort `json:"metrics_listen,omitempty,omitzero"`
	// CheckerNotrack is ours: the SO_MARK of the health checkers'
	// sockets, whose connections then bypass conntrack (0 = off).
	CheckerNotrack uint32 `json:"checker_notrack,omitempty"`

	// ScriptSupplementaryGroups is script_user USER :GROUP - scripts also
	// get USER's supplementary groups.
	ScriptSupplementaryGroups bool `json:"script_user_supplementary_groups,omitempty"`
	// UseSymlinkPaths keeps symbolic links in script paths unresolved.
	UseSymlinkPaths bool `json:"use_symlink_paths"`
	// SetSupplementaryGroups gives scripts their user's supplementary
	// groups.
	SetSupplementaryGroups bool `json:"set_supplementary_groups"`

	// NotificationEmail are the alert recipients.
	NotificationEmail []string `json:"notification_email,omitempty"`
	// NotificationEmailFrom is the From address ("" = user@host name).
	NotificationEmailFrom string `json:"notification_email_from,omitempty"`
	// SMTPServer is the relay for alerts (nil = no alerts by mail).
	SMTPServer *SMTPServer `json:"smtp_server,omitempty"`
	// SMTPHeloName is the HELO name ("" = the host name).
	SMTPHeloName string `json:"smtp_helo_name,omitempty"`
	// SMTPConnectTimeout bounds an SMTP session (whole seconds).
	SMTPConnectTimeout    Duration `json:"smtp_connect_timeout"`
	NoEmailFaults         bool     `json:"no_email_faults"`
	NoCheckerEmails       bool     `json:"no_checker_emails"`
	CheckerLogAllFailures bool     `json:"checker_log_all_failures"`

	// StartupScript is run by the parent before the children start, and
	// ShutdownScript after they stop; each is killed after its timeout
	// (whole seconds).
	StartupScript         *Script  `json:"startup_script,omitempty"`
	StartupScriptTimeout  Duration `json:"startup_script_timeout"`
	ShutdownScript        *Script  `json:"shutdown_script,omitempty"`
	ShutdownScriptTimeout Duration `json:"shutdown_script_timeout"`

	// The notify FIFOs (all events, VRRP events, checker events) and the
	// scripts keepalived starts to read them (the FIFO path is appended to
	// the script's arguments).
	NotifyFIFO           *FIFO   `json:"notify_fifo,omitempty"`
	NotifyFIFOScript     *Script `json:"notify_fifo_script,omitempty"`
	VRRPNotifyFIFO       *FIFO   `json:"vrrp_notify_fifo,omitempty"`
	VRRPNotifyFIFOScript *Script `json:"vrrp_notify_fifo_script,omitempty"`
	LVSNotifyFIFO        *FIFO   `json:"lvs_notify_fifo,omitempty"`
	LVSNotifyFIFOScript  *Script `json:"lvs_notify_fifo_script,omitempty"`
	// FIFOWriteVRRPStatesOnReload writes every instance's state to the
	// FIFOs after a reload.
	FIFOWriteVRRPStatesOnReload bool `json:"fifo_write_vrrp_states_on_reload"`

	// Process names (at most 15 characters); "" keeps "keepalived".
	ProcessName        string `json:"process_name,omitempty"`
	VRRPProcessName    string `json:"vrrp_process_name,omitempty"`
	CheckerProcessName string `json:"checker_process_name,omitempty"`
	BFDProcessName     string `json:"bfd_process_name,omitempty"`

	// Scheduling of the VRRP, checker and BFD children: nice value
	// (-20..19), mlockall, SCHED_RR priority (0 = not realtime), CPUs, and
	// RLIMIT_RTTIME in microseconds.
	VRRPPriority        int    `json:"vrrp_priority"`
	VRRPNoSwap          bool   `json:"vrrp_no_swap"`
	VRRPRTPriority      int    `json:"vrrp_rt_priority"`
	VRRPCPUAffinity     CPUSet `json:"vrrp_cpu_affinity,omitempty"`
	VRRPRlimitRTTime    int    `json:"vrrp_rlimit_rttime"`
	CheckerPriority     int    `json:"checker_priority"`
	CheckerNoSwap       bool   `json:"checker_no_swap"`
	CheckerRTPriority   int    `json:"checker_rt_priority"`
	CheckerCPUAffinity  CPUSet `json:"checker_cpu_affinity,omitempty"`
	CheckerRlimitRTTime int    `json:"checker_rlimit_rttime"`
	BFDPriority         int    `json:"bfd_priority"`
	BFDNoSwap           bool   `json:"bfd_no_swap"`
	BFDRTPriority       int    `json:"bfd_rt_priority"`
	BFDCPUAffinity      CPUSet `json:"bfd_cpu_affinity,omitempty"`
	BFDRlimitRTTime     int    `json:"bfd_rlimit_rttime"`
	// MaxAutoPriority is the highest SCHED_RR priority a late process
	// raises itself to (0 = never, -1 = disabled).
	MaxAutoPriority int `json:"max_auto_priority"`
	// MinAutoPriorityDelay is the lateness, in microseconds, that raises
	// the priority.
	MinAutoPriorityDelay int `json:"min_auto_priority_delay"`

	// DynamicInterfacesAllowIfChanges is dynamic_interfaces
	// allow_if_changes: an interface may be replaced by another with the
	// same name.
	DynamicInterfacesAllowIfChanges bool `json:"dynamic_interfaces_allow_if_changes,omitempty"`
	// DisableLocalIGMP sets igmp_link_local_mcast_reports to 0.
	DisableLocalIGMP bool `json:"disable_local_igmp"`

	// VRRPStartupDelay delays VRRP after keepalived starts, and
	// VRRPDelayAfterBoot until the system has been up that long; the
	// larger remaining delay applies.
	VRRPStartupDelay   Duration `json:"vrrp_startup_delay"`
	VRRPDelayAfterBoot Duration `json:"vrrp_delay_after_boot"`
	LogUnknownVRIDs    bool     `json:"log_unknown_vrids"`
	// VMACPrefix names VMAC interfaces (PREFIX.VRID), VMACAddrPrefix those
	// of use_vmac_addr (default VMACPrefix).
	VMACPrefix     string `json:"vmac_prefix"`
	VMACAddrPrefix string `json:"vmac_addr_prefix"`
	// VRRPRxBufsPolicy sizes the VRRP sockets' receive buffers, times
	// VRRPRxBufsMultiplier.
	VRRPRxBufsPolicy     RxBufsPolicy `json:"vrrp_rx_bufs_policy,omitempty,omitzero"`
	VRRPRxBufsMultiplier int          `json:"vrrp_rx_bufs_multiplier"`

	// Netlink socket receive buffers in bytes (0 = system default); the
	// _force variants use SO_RCVBUFFORCE.
	VRRPNetlinkCmdRcvBufs          uint32 `json:"vrrp_netlink_cmd_rcv_bufs,omitempty"`
	VRRPNetlinkCmdRcvBufsForce     bool   `json:"vrrp_netlink_cmd_rcv_bufs_force"`
	VRRPNetlinkMonitorRcvBufs      uint32 `json:"vrrp_netlink_monitor_rcv_bufs,omitempty"`
	VRRPNetlinkMonitorRcvBufsForce bool   `json:"vrrp_netlink_monitor_rcv_bufs_force"`
	ProcessMonitorRcvBufs          uint32 `json:"process_monitor_rcv_bufs,omitempty"`
	ProcessMonitorRcvBufsForce     bool   `json:"process_monitor_rcv_bufs_force"`
	LVSNetlinkCmdRcvBufs           uint32 `json:"lvs_netlink_cmd_rcv_bufs,omitempty"`
	LVSNetlinkCmdRcvBufsForce      bool   `json:"lvs_netlink_cmd_rcv_bufs_force"`
	LVSNetlinkMonitorRcvBufs       uint32 `json:"lvs_netlink_monitor_rcv_bufs,omitempty"`
	LVSNetlinkMonitorRcvBufsForce  bool   `json:"lvs_netlink_monitor_rcv_bufs_force"`

	// VRRPIptables are the iptables chains of keepalived's iptables mode.
	// keepalived-go, like keepalived built without iptables, uses
	// nftables instead (it sets NFTables).
	VRRPIptables *IptablesChains `json:"vrrp_iptables,omitempty"`
	// VRRPIpsets are the ipsets of the iptables mode (not used).
	VRRPIpsets *IPSetNames `json:"vrrp_ipsets,omitempty"`
	// NFTables is the nftables table for no_accept and VMAC filtering ("" =
	// nftables not used), its chains' priority and options.
	NFTables         string `json:"nftables,omitempty"`
	NFTablesPriority int    `json:"nftables_priority"`
	NFTablesIfindex  bool   `json:"nftables_ifindex"`
	NFTablesCounters bool   `json:"nftables_counters"`
	// NFTablesIPVS is the nftables table that sets fwmarks for virtual
	// server groups ("" = not used), its priority and first fwmark.
	NFTablesIPVS            string `json:"nftables_ipvs,omitempty"`
	NFTablesIPVSPriority    int    `json:"nftables_ipvs_priority"`
	NFTablesIPVSStartFwmark uint32 `json:"nftables_ipvs_start_fwmark"`

	// LVSTimeouts are the IPVS connection timeouts.
	LVSTimeouts LVSTimeouts `json:"lvs_timeouts,omitempty,omitzero"`
	// LVSFlush flushes IPVS at start; LVSFlushOnStop at stop.
	LVSFlush       bool         `json:"lvs_flush"`
	LVSFlushOnStop LVSFlushMode `json:"lvs_flush_on_stop,omitempty"`
	// LVSSyncDaemon is the IPVS sync daemon (nil = none).
	LVSSyncDaemon *LVSSyncDaemon `json:"lvs_sync_daemon,omitempty"`
	// RSInitNotifies sends real-server notifications at startup.
	RSInitNotifies bool `json:"rs_init_notifies"`

	// SNMPSocket is the AgentX socket ("" = net-snmp's default).
	SNMPSocket        string `json:"snmp_socket,omitempty"`
	EnableTraps       bool   `json:"enable_traps"`
	EnableSNMPVRRP    bool   `json:"enable_snmp_vrrp"`
	EnableSNMPChecker bool   `json:"enable_snmp_checker"`
	EnableSNMPRFCv2   bool   `json:"enable_snmp_rfcv2"`
	EnableSNMPRFCv3   bool   `json:"enable_snmp_rfcv3"`
	// SNMP statistics refresh intervals; the RS one follows the VS one
	// unless set.
	SNMPVSStatsUpdateInterval Duration `json:"snmp_vs_stats_update_interval"`
	SNMPRSStatsUpdateInterval Duration `json:"snmp_rs_stats_update_interval"`
	// DBus.
	EnableDBus          bool   `json:"enable_dbus"`
	DBusServiceName     string `json:"dbus_service_name"`
	DBusNoInterfaceName string `json:"dbus_no_interface_name"`

	// Umask is the file creation mask (the -u option wins).
	Umask Umask `json:"umask"`
	// RandomSeed seeds ${_RANDOM} (nil = the time).
	RandomSeed *uint32 `json:"random_seed,omitempty"`
	// ReloadCheckConfig runs a configuration check before a reload,
	// logging to this file.
	ReloadCheckConfig string `json:"reload_check_config,omitempty"`
	// ReloadTimeFile schedules a reload at the time it holds; ReloadRepeat
	// keeps the file for later reloads.
	ReloadTimeFile string `json:"reload_time_file,omitempty"`
	ReloadRepeat   bool   `json:"reload_repeat"`
	// ReloadFile exists while the configuration is being read.
	ReloadFile string `json:"reload_file,omitempty"`
	// IncludeCheck makes these include problems errors.
	IncludeCheck IncludeChecks `json:"include_check,omitempty"`
	// ConfigSaveDir keeps copies of the configurations read (debugging);
	// TmpConfigDirectory is where the parent's copy for its children goes.
	ConfigSaveDir      string `json:"config_save_dir,omitempty"`
	TmpConfigDirectory string `json:"tmp_config_directory,omitempty"`
	// DataUseInstance adds the namespace and instance names to the dump
	// file names.
	DataUseInstance bool `json:"data_use_instance"`
	// Dump files of SIGUSR1, SIGUSR2 and the JSON signal ("" =
	// /tmp/keepalived.data, .stats, .json).
	StateDumpFile string `json:"state_dump_file,omitempty"`
	StatsDumpFile string `json:"stats_dump_file,omitempty"`
	JSONDumpFile  string `json:"json_dump_file,omitempty"`
	JSONVersion   int    `json:"json_version"`
	// Where iproute2's tables (rt_tables, ...) are read ("" = /usr/share/
	// iproute2 and /etc/iproute2).
	IprouteUsrDir string `json:"iproute_usr_dir,omitempty"`
	IprouteEtcDir string `json:"iproute_etc_dir,omitempty"`

	// seen holds parse-time state (keywords given, defaults to resolve);
	// validateGlobal clears it.
	seen map[string]bool
}

// CPUSet is a list of CPU numbers (the *_cpu_affinity keywords).
type CPUSet []int

// String renders the CPUs as the keyword's arguments.
func (c CPUSet) String() string {
	w := make([]string, len(c))
	for i, v := range c {
		w[i] = strconv.Itoa(v)
	}
	return strings.Join(w, " ")
}

// Defaults that keepalived names.
const (
	globalRTRlimitDefault   = 10000 // RT_RLIMIT_DEFAULT, microseconds
	globalDBusServiceName   = "org.keepalived.Vrrp1"
	globalNFTablesTable     = "keepalived"
	globalNFTablesIPVSTable = "keepalived_ipvs"
	globalNFTablesFwmark    = 1000
)

func newGlobalSection() GlobalSection {
	return GlobalSection{
		ChildWaitTime: 5 * Second,
		Global: Global{
			DefaultInterface:          "eth0",
			VRRPMcastGroup4:           netip.MustParseAddr("224.0.0.18"),
			VRRPMcastGroup6:           netip.MustParseAddr("ff02::12"),
			VRRPVersion:               2,
			GarpMasterDelay:           5 * Second,
			GarpMasterRepeat:          5,
			GarpMasterRefreshRepeat:   1,
			GarpLowerPrioDelay:        5 * Second,
			GarpLowerPrioRepeat:       5,
			DownTimerAdverts:          3,
			LVSDataplane:              "auto",
			SMTPConnectTimeout:        30 * Second,
			StartupScriptTimeout:      10 * Second,
			ShutdownScriptTimeout:     10 * Second,
			VRRPRlimitRTTime:          globalRTRlimitDefault,
			CheckerRlimitRTTime:       globalRTRlimitDefault,
			BFDRlimitRTTime:           globalRTRlimitDefault,
			MinAutoPriorityDelay:      1000000,
			VMACPrefix:                "vrrp",
			VMACAddrPrefix:            "vrrp",
			VRRPRxBufsMultiplier:      3,
			NFTablesPriority:          -1,
			NFTablesIPVSPriority:      -1,
			NFTablesIPVSStartFwmark:   globalNFTablesFwmark,
			SNMPVSStatsUpdateInterval: 5 * Second,
			SNMPRSStatsUpdateInterval: 5 * Second,
			DBusServiceName:           globalDBusServiceName,
			DBusNoInterfaceName:       "none",
			Umask:                     0o177,
			JSONVersion:               1,
		},
	}
}

var globalRoot = globalMergeTables(globalRootTable, table[Config]{
	"global_defs": blk(func(p *parser, n *syntax.Node, c *Config) {
		parseBlock(p, n.Children, &c.Global, globalDefsTable)
	}),
})

// globalDefsTable is global_defs, gathered from the files that handle
// each group of keywords.
var globalDefsTable = globalMergeTables(
	globalIdentityTable, globalMailTable, globalScriptTable,
	globalVRRPTable, globalGarpTable, globalNetlinkTable,
	globalFirewallTable, globalLVSTable, globalProcessTable,
	globalSNMPTable, globalFilesTable,
)

// globalMergeTables joins keyword tables (a keyword in two tables is a
// programming error).
func globalMergeTables[T any](parts ...table[T]) table[T] {
	t := table[T]{}
	for _, part := range parts {
		for k, v := range part {
			if _, dup := t[k]; dup {
				panic("config: keyword " + k + " defined twice")
			}
			t[k] = v
		}
	}
	return t
}

// once records that keyword k of global_defs was given and reports
// whether it is the first time.
func (g *Global) once(k string) bool {
	if g.seen[k] {
		return false
	}
	if g.seen == nil {
		g.seen = map[string]bool{}
	}
	g.seen[k] = true
	return true
}

// given reports whether keyword k was given.
func (g *Global) given(k string) bool { return g.seen[k] }

// validateGlobal resolves the global settings that follow others once
// the whole file is read, as keepalived does when its children start.
func (p *parser) validateGlobal() {
	s := &p.cfg.GlobalSection
	g := &s.Global
	g.followGarpMaster()
	if !g.given("vmac_addr_prefix") {
		g.VMACAddrPrefix = g.VMACPrefix
	}
	if !g.given("include_check") && p.opts.AllIncludes {
		g.IncludeCheck = IncludeCheckAll
	}
	if g.given("reload_file_default") {
		g.ReloadFile = reloadFileDefault(s)
	}
	if d := g.LVSSyncDaemon; d != nil && d.Instance == "" && d.SyncID == nil {
		zero := 0
		d.SyncID = &zero
	}
	p.validateFIFOs(g)
	g.seen = nil
}
