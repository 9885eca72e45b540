package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// parseGlobal parses a configuration made of the given root lines with
// the golden options.
func parseGlobal(t *testing.T, lines ...string) (*Config, Diagnostics) {
	t.Helper()
	src := strings.Join(lines, "\n") + "\n"
	return Parse("test.conf", []byte(src), goldenOptions())
}

// globalDefs wraps lines in a global_defs block.
func globalDefs(lines ...string) []string {
	return append(append([]string{"global_defs {"}, lines...), "}")
}

// messages returns the problems as "line: message" strings.
func messages(ds Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, strings.TrimPrefix(d.String(), "test.conf:"))
	}
	return out
}

// globalCase is one global_defs test: its lines (line 1 is global_defs),
// a check of the result and the problems expected ("line: message").
type globalCase struct {
	name  string
	lines []string
	check func(t *testing.T, g *Global)
	want  []string
}

func runGlobalCases(t *testing.T, cases []globalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := parseGlobal(t, globalDefs(tc.lines...)...)
			if got := messages(diags); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, &cfg.Global)
			}
		})
	}
}

// equal fails the test when got != want.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestGlobalGarp(t *testing.T) {
	runGlobalCases(t, []globalCase{
		{name: "defaults follow master", lines: []string{"vrrp_garp_master_delay 10", "vrrp_garp_master_repeat 3"},
			check: func(t *testing.T, g *Global) {
				equal(t, "lower prio delay", g.GarpLowerPrioDelay, 10*Second)
				equal(t, "lower prio repeat", g.GarpLowerPrioRepeat, 3)
			}},
		{name: "lower prio set stays", lines: []string{"vrrp_garp_lower_prio_delay 2", "vrrp_garp_lower_prio_repeat 0", "vrrp_garp_master_delay 10"},
			check: func(t *testing.T, g *Global) {
				equal(t, "lower prio delay", g.GarpLowerPrioDelay, 2*Second)
				equal(t, "lower prio repeat", g.GarpLowerPrioRepeat, 0)
			}},
		{name: "min garp", lines: []string{"vrrp_min_garp"},
			check: func(t *testing.T, g *Global) {
				equal(t, "repeat", g.GarpMasterRepeat, 1)
				equal(t, "delay", g.GarpMasterDelay, Duration(0))
				equal(t, "refresh repeat", g.GarpMasterRefreshRepeat, 0)
				equal(t, "lower prio repeat", g.GarpLowerPrioRepeat, 1)
				equal(t, "lower prio delay", g.GarpLowerPrioDelay, Duration(0))
			}},
		{name: "min garp keeps changed values", lines: []string{"vrrp_garp_master_repeat 3", "vrrp_min_garp", "vrrp_garp_master_delay 7"},
			check: func(t *testing.T, g *Global) {
				equal(t, "repeat", g.GarpMasterRepeat, 3)
				equal(t, "delay", g.GarpMasterDelay, 7*Second)
				equal(t, "lower prio delay", g.GarpLowerPrioDelay, 7*Second)
			}},
		{name: "min garp false", lines: []string{"vrrp_min_garp false"},
			check: func(t *testing.T, g *Global) { equal(t, "repeat", g.GarpMasterRepeat, 5) }},
		{name: "min garp bad bool", lines: []string{"vrrp_min_garp maybe"},
			want: []string{"2: Invalid value for vrrp_min_garp specified"}},
		{name: "repeat 0", lines: []string{"vrrp_garp_master_repeat 0", "vrrp_garp_master_refresh_repeat 0"},
			want: []string{
				"2: vrrp_garp_master_repeat must be greater than 0, setting to 1",
				"3: vrrp_garp_master_refresh_repeat must be greater than 0, setting to 1",
			},
			check: func(t *testing.T, g *Global) { equal(t, "repeat", g.GarpMasterRepeat, 1) }},
		{name: "delay is whole seconds", lines: []string{"vrrp_garp_master_delay 1.5", "vrrp_garp_master_delay 4295"},
			want: []string{
				"2: invalid number '1.5'", "2: vrrp_garp_master_delay '1.5' invalid - ignoring",
				"3: number '4295' outside range [0, 4294]", "3: vrrp_garp_master_delay '4295' invalid - ignoring",
			}},
		{name: "refresh invalid turns off", lines: []string{"vrrp_garp_master_refresh 60", "vrrp_garp_master_refresh x"},
			want:  []string{"3: invalid number 'x'", "3: Invalid vrrp_garp_master_refresh 'x' - ignoring"},
			check: func(t *testing.T, g *Global) { equal(t, "refresh", g.GarpMasterRefresh, Duration(0)) }},
		{name: "intervals", lines: []string{"vrrp_garp_interval 0.001", "vrrp_gna_interval 0.0000015", "vrrp_garp_interval 2"},
			want: []string{
				"3: number '0.0000015' has too many decimal places",
				"4: The vrrp_garp_interval is very large - 2 seconds",
			},
			check: func(t *testing.T, g *Global) {
				equal(t, "gna", g.GnaInterval, 2*Microsecond)
				equal(t, "garp", g.GarpInterval, 2*Second)
			}},
		{name: "interval 0 rejected", lines: []string{"vrrp_garp_interval 0", "vrrp_gna_interval 0"},
			want: []string{
				"2: number '0' outside range [0.000001, 4294.967295]", "2: vrrp_garp_interval '0' is invalid",
				"3: number '0' outside range [0.000001, 4294.967295]", "3: vrrp_gna_interval '0' is invalid",
			}},
		{name: "extra if", lines: []string{"vrrp_garp_extra_if all 30"},
			check: func(t *testing.T, g *Global) {
				equal(t, "extra if", g.GarpExtraIf, 30*Second)
				equal(t, "all", g.GarpExtraIfAll, true)
			}},
		{name: "extra if without time", lines: []string{"vrrp_garp_extra_if all", "vrrp_garp_extra_if 0"},
			want: []string{
				"2: vrrp_garp_extra_if specified without time - ignoring",
				"3: number '0' outside range [1, 86400]", "3: vrrp_garp_extra_if '0' invalid - ignoring",
			}},
		{name: "deprecated extra if", lines: []string{"vrrp_vmac_garp_intvl 5"},
			want:  []string{"2: vrrp_vmac_garp_intvl is deprecated - please use vrrp_garp_extra_if"},
			check: func(t *testing.T, g *Global) { equal(t, "extra if", g.GarpExtraIf, 5*Second) }},
	})
}

func TestGlobalBooleans(t *testing.T) {
	runGlobalCases(t, []globalCase{
		{name: "no argument is true", lines: []string{"vrrp_strict", "vrrp_lower_prio_no_advert", "smtp_alert"},
			check: func(t *testing.T, g *Global) {
				equal(t, "strict", g.Strict, true)
				equal(t, "lower prio", g.LowerPrioNoAdvert, true)
				equal(t, "smtp_alert", *g.SMTPAlert, true)
			}},
		{name: "words", lines: []string{"vrrp_strict off", "smtp_alert_vrrp no", "smtp_alert_checker yes", "vrrp_higher_prio_send_advert on"},
			check: func(t *testing.T, g *Global) {
				equal(t, "strict", g.Strict, false)
				equal(t, "smtp_alert_vrrp", *g.SMTPAlertVRRP, false)
				equal(t, "smtp_alert_checker", *g.SMTPAlertChecker, true)
				equal(t, "higher prio", g.HigherPrioSendAdvert, true)
			}},
		{name: "bad words", lines: []string{"smtp_alert 1", "vrrp_strict TRUE", "vrrp_owner_ignore_adverts x", "vrrp_lower_prio_no_advert y"},
			want: []string{
				"2: Invalid value '1' for global smtp_alert specified",
				"3: Invalid value 'TRUE' for global vrrp_strict specified",
				"4: Invalid value 'vrrp_owner_ignore_adverts' for global x specified",
				"5: Invalid value for vrrp_lower_prio_no_advert specified",
			},
			check: func(t *testing.T, g *Global) {
				equal(t, "smtp_alert", g.SMTPAlert, (*bool)(nil))
				equal(t, "strict", g.Strict, false)
			}},
		{name: "flags ignore arguments", lines: []string{"vrrp_check_unicast_src no", "enable_script_security 0"},
			check: func(t *testing.T, g *Global) {
				equal(t, "check unicast src", g.CheckUnicastSrc, true)
				equal(t, "script security", g.EnableScriptSecurity, true)
			}},
	})
}

func TestGlobalRanges(t *testing.T) {
	runGlobalCases(t, []globalCase{
		{name: "vrrp_version", lines: []string{"vrrp_version 4"},
			want: []string{"2: number '4' outside range [2, 3]", "2: VRRP Error: Version must be either 2 or 3"}},
		{name: "down timer adverts", lines: []string{"vrrp_down_timer_adverts 0", "vrrp_down_timer_adverts 10"},
			want:  []string{"2: number '0' outside range [1, 100]", "2: Invalid vrrp_down_timer_adverts [1:100] '0'"},
			check: func(t *testing.T, g *Global) { equal(t, "adverts", g.DownTimerAdverts, 10) }},
		{name: "smtp timeout 0", lines: []string{"smtp_connect_timeout 0"},
			want:  []string{"2: smtp_conect_timeout must be greater than 0, setting to 1"},
			check: func(t *testing.T, g *Global) { equal(t, "timeout", g.SMTPConnectTimeout, Second) }},
		{name: "nice value invalid sets 0", lines: []string{"vrrp_priority -10", "vrrp_priority 20"},
			want:  []string{"3: number '20' outside range [-20, 19]", "3: Invalid vrrp process priority specified"},
			check: func(t *testing.T, g *Global) { equal(t, "priority", g.VRRPPriority, 0) }},
		{name: "realtime clamped", lines: []string{"checker_rt_priority 100", "bfd_rt_priority 0"},
			want: []string{
				"2: checker process real-time priority 100 greater than maximum 99 - setting to maximum",
				"3: bfd process real-time priority 0 less than minimum 1 - setting to minimum",
			},
			check: func(t *testing.T, g *Global) {
				equal(t, "checker", g.CheckerRTPriority, 99)
				equal(t, "bfd", g.BFDRTPriority, 1)
			}},
		{name: "rlimit", lines: []string{"vrrp_rlimit_rttime 1", "checker_rlimit_rtime 500", "bfd_rlimit_rttime 0"},
			want: []string{
				"3: Keyword 'checker_rlimit_rtime' is deprecated - please use 'checker_rlimit_rttime'",
				"4: number '0' outside range [1, 4294967295]", "4: Invalid bfd real-time limit - 0",
			},
			check: func(t *testing.T, g *Global) {
				equal(t, "vrrp", g.VRRPRlimitRTTime, 2)
				equal(t, "checker", g.CheckerRlimitRTTime, 500)
				equal(t, "bfd", g.BFDRlimitRTTime, 0)
			}},
		{name: "cpu affinity", lines: []string{"vrrp_cpu_affinity 0 3", "checker_cpu_affinity 1 x"},
			want: []string{"3: invalid number 'x'", "3: Invalid cpu_id:0 specified for checker process"},
			check: func(t *testing.T, g *Global) {
				equal(t, "vrrp", g.VRRPCPUAffinity, CPUSet{0, 3})
				equal(t, "checker", g.CheckerCPUAffinity, CPUSet(nil))
			}},
		{name: "max auto priority", lines: []string{"max_auto_priority"},
			check: func(t *testing.T, g *Global) { equal(t, "max", g.MaxAutoPriority, 99) }},
		{name: "startup delay keeps the largest", lines: []string{"vrrp_startup_delay 5", "vrrp_startup_delay 2", "vrrp_startup_delay 0.0001"},
			want:  []string{"4: number '0.0001' outside range [0.001000, 4294.967295]", "4: vrrp_startup_delay '0.0001' is invalid"},
			check: func(t *testing.T, g *Global) { equal(t, "delay", g.VRRPStartupDelay, 5*Second) }},
		{name: "snmp rs interval follows vs", lines: []string{"snmp_vs_stats_update_interval 2.5"},
			check: func(t *testing.T, g *Global) {
				equal(t, "rs", g.SNMPRSStatsUpdateInterval, 2500*Millisecond)
			}},
		{name: "snmp rs interval set", lines: []string{"snmp_rs_stats_update_interval 1", "snmp_vs_stats_update_interval 31"},
			want:  []string{"3: number '31' outside range [0.001000, 30.000000]", "3: snmp stats vs update interval '31' invalid - ignoring"},
			check: func(t *testing.T, g *Global) { equal(t, "rs", g.SNMPRSStatsUpdateInterval, Second) }},
	})
}

func TestGlobalLVS(t *testing.T) {
	id := func(v int) *int { return &v }
	runGlobalCases(t, []globalCase{
		{name: "sync daemon options", lines: []string{"lvs_sync_daemon eth1 inst VI_1 id 7 maxlen 1400 port 8849 ttl 3 group 239.1.2.3"},
			check: func(t *testing.T, g *Global) {
				equal(t, "sync daemon", *g.LVSSyncDaemon, LVSSyncDaemon{Interface: "eth1", Instance: "VI_1", SyncID: id(7),
					MaxLen: 1400, Port: 8849, TTL: 3, Group: netip.MustParseAddr("239.1.2.3"), Pos: g.LVSSyncDaemon.Pos})
			}},
		{name: "sync daemon old form", lines: []string{"lvs_sync_daemon eth1 VI_1 9"},
			want: []string{`2: Please use keyword "id" before lvs_sync_daemon SYNCID`},
			check: func(t *testing.T, g *Global) {
				equal(t, "instance", g.LVSSyncDaemon.Instance, "VI_1")
				equal(t, "id", *g.LVSSyncDaemon.SyncID, 9)
			}},
		{name: "sync daemon without instance has id 0", lines: []string{"lvs_sync_daemon eth1"},
			check: func(t *testing.T, g *Global) { equal(t, "id", *g.LVSSyncDaemon.SyncID, 0) }},
		{name: "sync daemon instance keeps id unset", lines: []string{"lvs_sync_daemon eth1 inst VI_1 id"},
			want:  []string{"2: No value specified for lvs_sync_daemon id, defaulting to vrid"},
			check: func(t *testing.T, g *Global) { equal(t, "id", g.LVSSyncDaemon.SyncID, (*int)(nil)) }},
		{name: "sync daemon bad values", lines: []string{"lvs_sync_daemon eth1 ttl 0 group ff02::1:2 group 10.0.0.1 port", "lvs_sync_daemon eth2"},
			want: []string{
				"2: number '0' outside range [1, 255]", "2: Invalid lvs_sync_daemon ttl (0) - ignoring",
				"2: lvs_sync_daemon group address 10.0.0.1 is not multicast - ignoring",
				"2: No value specified for lvs_sync_daemon port - ignoring",
				"3: lvs_sync_daemon has already been specified as eth1  - ignoring",
			},
			check: func(t *testing.T, g *Global) {
				equal(t, "group", g.LVSSyncDaemon.Group, netip.MustParseAddr("ff02::1:2"))
			}},
		{name: "sync daemon long interface", lines: []string{"lvs_sync_daemon abcdefghijklmnop"},
			want:  []string{"2: lvs_sync_daemon interface name 'abcdefghijklmnop' too long - ignoring"},
			check: func(t *testing.T, g *Global) { equal(t, "daemon", g.LVSSyncDaemon, (*LVSSyncDaemon)(nil)) }},
		{name: "timeouts", lines: []string{"lvs_timeouts udp 300 tcp 900", "lvs_timeouts tcpfin 2678401 sctp 5"},
			want: []string{
				"3: number '2678401' outside range [0, 2678400]", "3: Invalid lvs_timeout tcpfin (2678401) - ignoring",
				"3: Unknown option sctp specified for lvs_timeouts", "3: Unknown option 5 specified for lvs_timeouts",
			},
			check: func(t *testing.T, g *Global) { equal(t, "timeouts", g.LVSTimeouts, LVSTimeouts{TCP: 900, UDP: 300}) }},
		{name: "timeouts need an option", lines: []string{"lvs_timeouts tcp"},
			want: []string{"2: lvs_timeouts requires at least one option"}},
		{name: "flush on stop", lines: []string{"lvs_flush_on_stop VS", "lvs_flush_on_stop ALL"},
			want:  []string{"3: Unknown lvs_flush_on_stop type ALL"},
			check: func(t *testing.T, g *Global) { equal(t, "flush", g.LVSFlushOnStop, LVSFlushVS) }},
		{name: "flush onstop alias", lines: []string{"lvs_flush_onstop"},
			want:  []string{"2: lvs_flush_onstop is deprecated - please use lvs_flush_on_stop"},
			check: func(t *testing.T, g *Global) { equal(t, "flush", g.LVSFlushOnStop, LVSFlushFull) }},
		{name: "dataplane", lines: []string{"lvs_dataplane nftables", "lvs_dataplane xdp"},
			want:  []string{"3: invalid value 'xdp' for lvs_dataplane - must be one of ipvs, nftables, auto"},
			check: func(t *testing.T, g *Global) { equal(t, "dataplane", g.LVSDataplane, "nftables") }},
		{name: "checker notrack", lines: []string{"checker_notrack"},
			check: func(t *testing.T, g *Global) { equal(t, "mark", g.CheckerNotrack, uint32(DefaultNotrackMark)) }},
		{name: "checker notrack mark", lines: []string{"checker_notrack 0x10", "checker_notrack 0", "checker_notrack 0x100000000", "checker_notrack mark"},
			want: []string{
				"3: invalid checker_notrack mark '0' - use a non-zero 32-bit number (decimal or 0x hex), or no value for 0x4b47",
				"4: invalid checker_notrack mark '0x100000000' - use a non-zero 32-bit number (decimal or 0x hex), or no value for 0x4b47",
				"5: invalid checker_notrack mark 'mark' - use a non-zero 32-bit number (decimal or 0x hex), or no value for 0x4b47",
			},
			check: func(t *testing.T, g *Global) { equal(t, "mark", g.CheckerNotrack, uint32(16)) }},
		{name: "metrics listen", lines: []string{"metrics_listen [::1]:9650", "metrics_listen 127.0.0.1", "metrics_listen 10.0.0.1:0"},
			want: []string{
				"3: invalid metrics_listen address '127.0.0.1' - use IP:PORT or [IPV6]:PORT with a port from 1 to 65535",
				"4: invalid metrics_listen address '10.0.0.1:0' - use IP:PORT or [IPV6]:PORT with a port from 1 to 65535",
			},
			check: func(t *testing.T, g *Global) {
				equal(t, "listen", g.MetricsListen, netip.MustParseAddrPort("[::1]:9650"))
			}},
	})
}

func TestGlobalFiles(t *testing.T) {
	runGlobalCases(t, []globalCase{
		{name: "include_check", lines: []string{"include_check match +brace_match -read"},
			check: func(t *testing.T, g *Global) {
				equal(t, "checks", g.IncludeCheck, IncludeCheckMatch|IncludeCheckBraceMatch)
				equal(t, "rendered", g.IncludeCheck.String(), "match +brace_match -read")
			}},
		{name: "include_check all", lines: []string{"include_check"},
			check: func(t *testing.T, g *Global) { equal(t, "checks", g.IncludeCheck, IncludeCheckAll) }},
		{name: "include_check adds to the previous", lines: []string{"include_check wildcard_match", "include_check +match"},
			check: func(t *testing.T, g *Global) {
				equal(t, "checks", g.IncludeCheck, IncludeCheckRead|IncludeCheckWildcardMatch|IncludeCheckMatch)
			}},
		{name: "include_check errors", lines: []string{"include_check readable match"},
			want:  []string{"2: Unknown include_check type 'readable' - ignoring", "2: Duplicate include_check 'match' specified - ignoring"},
			check: func(t *testing.T, g *Global) { equal(t, "checks", g.IncludeCheck, IncludeChecks(0)) }},
		{name: "umask octal", lines: []string{"umask 027"},
			check: func(t *testing.T, g *Global) { equal(t, "umask", g.Umask.String(), "027") }},
		{name: "umask hex and decimal", lines: []string{"umask 0x12", "umask 18"},
			check: func(t *testing.T, g *Global) { equal(t, "umask", g.Umask, Umask(0o22)) }},
		{name: "umask bits", lines: []string{"umask IWGRP|IWOTH | IXOTH"},
			check: func(t *testing.T, g *Global) { equal(t, "umask", g.Umask, Umask(0o23)) }},
		{name: "umask errors", lines: []string{"umask 0999", "umask 022 x", "umask IWGRP|", "umask IWGRPX", "umask IFOO"},
			want: []string{
				"2: invalid umask value 0999", "3: Extra parameter(s) to umask option", "4: umask missing bit value",
				"5: Invalid umask syntax IWGRPX", "6: Unknown umask bit IFOO",
			},
			check: func(t *testing.T, g *Global) { equal(t, "umask", g.Umask, Umask(0o177)) }},
		{name: "dump files", lines: []string{"state_dump_file /var/run/k.data", "json_dump_file", `stats_dump_file ""`},
			want:  []string{"3: json_dump_file requires a non-empty path", "4: stats_dump_file requires a non-empty path"},
			check: func(t *testing.T, g *Global) { equal(t, "state", g.StateDumpFile, "/var/run/k.data") }},
		{name: "reload file default", lines: []string{"reload_file"},
			check: func(t *testing.T, g *Global) { equal(t, "reload file", g.ReloadFile, "/run/keepalived.reload") }},
		{name: "config dirs", lines: []string{"config_save_dir /var/tmp/", "tmp_config_directory /run/k", "tmp_config_directory /x"},
			want: []string{"4: tmp_config_directory already specified - ignoring"},
			check: func(t *testing.T, g *Global) {
				equal(t, "save dir", g.ConfigSaveDir, "/var/tmp")
				equal(t, "tmp dir", g.TmpConfigDirectory, "/run/k")
			}},
	})
}

func TestGlobalFirewall(t *testing.T) {
	runGlobalCases(t, []globalCase{
		{name: "nftables resets priority", lines: []string{"nftables_priority 5", "nftables kad"},
			check: func(t *testing.T, g *Global) {
				equal(t, "table", g.NFTables, "kad")
				equal(t, "priority", g.NFTablesPriority, -1)
			}},
		{name: "iptables becomes nftables", lines: []string{"vrrp_iptables IN OUT"},
			want: []string{"2: iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option"},
			check: func(t *testing.T, g *Global) {
				equal(t, "chains", *g.VRRPIptables, IptablesChains{In: "IN", Out: "OUT"})
				equal(t, "table", g.NFTables, "keepalived")
			}},
		{name: "ipset names", lines: []string{"vrrp_ipsets ka"},
			want: []string{"2: vrrp_ipsets is not supported (ipsets are only used with iptables; keepalived-go uses nftables) - ignored"},
			check: func(t *testing.T, g *Global) {
				equal(t, "sets", g.VRRPIpsets.String(), "ka ka6 ka_if6 ka_igmp ka_mld ka_nd")
			}},
		{name: "ipset duplicate", lines: []string{"vrrp_ipsets a a"},
			want: []string{
				"2: vrrp_ipsets is not supported (ipsets are only used with iptables; keepalived-go uses nftables) - ignored",
				"2: vrrp_ipsets: set name a used more than once",
			},
			check: func(t *testing.T, g *Global) { equal(t, "sets", g.VRRPIpsets, (*IPSetNames)(nil)) }},
		{name: "nftables priority range", lines: []string{"nftables_ipvs_priority 2147483648"},
			want: []string{"2: number '2147483648' outside integer range", "2: invalid ipvs nftables chain priority '2147483648'"}},
	})
}

func TestGlobalMailAndScripts(t *testing.T) {
	runGlobalCases(t, []globalCase{
		{name: "smtp server", lines: []string{"smtp_server mail.example.com 587"},
			check: func(t *testing.T, g *Global) {
				equal(t, "server", *g.SMTPServer, SMTPServer{Host: "mail.example.com", Port: 587})
			}},
		{name: "smtp server bad port", lines: []string{"smtp_server 192.0.2.1 0", "smtp_server mail-1.example.com x", "smtp_server bad/host"},
			want: []string{
				"2: number '0' outside range [1, 65535]", "2: number '0' outside range [1, 65535]", "2: Invalid smtp server 192.0.2.1 0",
				"3: invalid number 'x'", "3: Invalid smtp server mail-1.example.com x",
				"4: Invalid smtp server bad/host 25",
			}},
		{name: "emails", lines: []string{"notification_email {", "a@example.com b@example.com", `"Ops <ops@example.com>"`, "}", "notification_email { }"},
			want: []string{"6: Warning - empty notification_email block"},
			check: func(t *testing.T, g *Global) {
				equal(t, "emails", g.NotificationEmail, []string{"a@example.com", "b@example.com", "Ops <ops@example.com>"})
			}},
		{name: "script user", lines: []string{"script_user nobody :nogroup"},
			check: func(t *testing.T, g *Global) {
				equal(t, "user", g.ScriptUser, "nobody")
				equal(t, "group", g.ScriptGroup, "nogroup")
				equal(t, "supplementary", g.ScriptSupplementaryGroups, true)
			}},
		{name: "fifos", lines: []string{"enable_script_security", "notify_fifo /run/k.fifo root", "notify_fifo_script \"/bin/reader -v\" nobody", "notify_fifo /run/other"},
			want: []string{"5: notify_fifo already specified - ignoring /run/other"},
			check: func(t *testing.T, g *Global) {
				equal(t, "fifo", g.NotifyFIFO.String(), "/run/k.fifo root")
				equal(t, "script", g.NotifyFIFOScript.Args, []string{"/bin/reader", "-v"})
				equal(t, "script user", g.NotifyFIFOScript.User, "nobody")
			}},
		{name: "same fifo for global and vrrp", lines: []string{"enable_script_security", "notify_fifo /run/k.fifo", "vrrp_notify_fifo /run/k.fifo", "vrrp_notify_fifo_script /bin/true"},
			want:  []string{"4: notify FIFO /run/k.fifo has been specified for global and vrrp FIFO - ignoring vrrp FIFO"},
			check: func(t *testing.T, g *Global) { equal(t, "vrrp fifo", g.VRRPNotifyFIFO, (*FIFO)(nil)) }},
		{name: "startup script", lines: []string{"enable_script_security", "startup_script \"/bin/echo up\"", "startup_script /bin/true", "startup_script_timeout 0", "shutdown_script"},
			want: []string{
				"4: startup script already specified",
				"5: number '0' outside range [1, 1000]", "5: startup_script_timeout '0' must be in [1, 1000] - ignoring",
				"6: shutdown script missing",
			},
			check: func(t *testing.T, g *Global) { equal(t, "script", g.StartupScript.Args, []string{"/bin/echo", "up"}) }},
		{name: "process names", lines: []string{"process_names", "vrrp_process_name vrrp-with-a-long-name", "lvs_process_name lvs"},
			want: []string{
				"3: Process name vrrp-with-a-long-name more than 15 characters, truncating",
				"4: 'lvs_process_name' is deprecated - please use 'checker_process_name'",
			},
			check: func(t *testing.T, g *Global) {
				equal(t, "vrrp", g.VRRPProcessName, "vrrp-with-a-lon")
				equal(t, "checker", g.CheckerProcessName, "lvs")
				equal(t, "bfd", g.BFDProcessName, "keepalived_bfd")
			}},
	})
}

func TestGlobalMcastGroups(t *testing.T) {
	runGlobalCases(t, []globalCase{
		{name: "valid", lines: []string{"vrrp_mcast_group4 224.0.0.19", "vrrp_mcast_group6 ff02::13"},
			check: func(t *testing.T, g *Global) {
				equal(t, "v4", g.VRRPMcastGroup4, netip.MustParseAddr("224.0.0.19"))
				equal(t, "v6", g.VRRPMcastGroup6, netip.MustParseAddr("ff02::13"))
			}},
		{name: "problems", lines: []string{"vrrp_mcast_group4 ff02::1", "vrrp_mcast_group4 10.0.0.1", "vrrp_mcast_group6 224.0.0.1", "vrrp_mcast_group6 ff05::1", "vrrp_mcast_group4 nonsense"},
			want: []string{
				"2: vrrp_mcast_group4 [ff02::1] is not IPv4. Skipping",
				"3: vrrp_mcast_group4 [10.0.0.1] is not multicast. Skipping",
				"4: vrrp_mcast_group6 [224.0.0.1] is not IPv6. Skipping",
				"5: vrrp_mcast_group6 [ff05::1] should be link-local multicast.",
				"6: Can't parse vrrp_mcast_group4 [nonsense]. Skipping",
			},
			check: func(t *testing.T, g *Global) { equal(t, "v6", g.VRRPMcastGroup6, netip.MustParseAddr("ff05::1")) }},
	})
}

func TestGlobalRoot(t *testing.T) {
	cfg, diags := parseGlobal(t,
		"instance one", "instance two", "net_namespace_ipvs", "child_wait_time 2",
		"linkbeat_interfaces {", "eth1 ETHTOOL", "eth9", "}",
		"interface_up_down_delays {", "eth1 0.5", "eth2 1 2.25", "eth3 256", "}",
	)
	want := []string{
		"2: Duplicate instance definition two - ignoring",
		"7: unknown interface eth9 specified for linkbeat interface",
		"12: number '256' outside range [0.000000, 255.000000]",
		"12: Invalid down delay 256 for eth3",
	}
	if got := messages(diags); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
	s := cfg.GlobalSection
	equal(t, "instance", s.Instance, "one")
	equal(t, "pid dir", s.UsePidDir, true)
	equal(t, "ipvs namespace", *s.NetNamespaceIPVS, "")
	equal(t, "child wait", s.ChildWaitTime, 2*Second)
	equal(t, "linkbeat", s.LinkbeatInterfaces, []LinkbeatInterface{{Interface: "eth1", Type: "ETHTOOL", Pos: s.LinkbeatInterfaces[0].Pos}})
	equal(t, "delays", len(s.InterfaceUpDownDelays), 2)
	equal(t, "eth2", s.InterfaceUpDownDelays[1].String(), "eth2 1 2.25")
	equal(t, "exit", diags.ExitCode(), 5)
}

func TestGlobalDynamicInterfaces(t *testing.T) {
	_, diags := parseGlobal(t, append(globalDefs("dynamic_interfaces"), "linkbeat_interfaces {", "veth7", "}")...)
	if len(diags) != 0 {
		t.Errorf("unexpected problems %q", messages(diags))
	}
	_, diags = parseGlobal(t, "linkbeat_interfaces {", "veth7", "}")
	equal(t, "exit", diags.ExitCode(), 4)
}

func TestGlobalJSON(t *testing.T) {
	cfg, _ := parseGlobal(t, globalDefs("umask 022", "include_check", "lvs_timeouts udp 30")...)
	var b strings.Builder
	if err := JSON(&b, cfg); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`"umask": "022"`, `"include_check": "read +match +wildcard_match +brace_match"`, `"udp": 30`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	for _, absent := range []string{"metrics_listen", "vrrp_rx_bufs_policy", "lvs_sync_daemon"} {
		if strings.Contains(out, absent) {
			t.Errorf("JSON has unset %s", absent)
		}
	}
}

func TestGlobalDumpRendering(t *testing.T) {
	for _, tc := range []struct {
		v    interface{ String() string }
		want string
	}{
		{IncludeCheckRead | IncludeCheckWildcardMatch, "read +wildcard_match"},
		{IncludeCheckMatch, "match -read"},
		{Umask(0o177), "0177"},
		{LVSTimeouts{TCPFin: 10}, "tcpfin 10"},
		{RxBufsPolicy{Size: 65536}, "65536"},
		{IPSetNames{Disabled: true}, "none"},
		{FIFO{Path: "/run/a b", Group: "x"}, `"/run/a b"`},
		{CPUSet{0, 2}, "0 2"},
		{InterfaceDelay{Interface: "eth0", Down: 1500 * Millisecond}, "eth0 1.5 0"},
	} {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("%#v renders %q, want %q", tc.v, got, tc.want)
		}
	}
}
