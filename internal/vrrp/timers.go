package vrrp

import "time"

// skewTime is Skew_Time for priority p with master advert interval mai.
//
// VRRPv2 (RFC 3768 §6.1): ((256 - Priority) / 256) seconds.
// VRRPv3 (RFC 5798 §6.1): ((256 - Priority) * Master_Adver_Interval) / 256,
// computed as keepalived does in microseconds from centiseconds:
// (256 - p) * mai_cs * 625 / 16 (vrrp.h VRRP_TIMER_SKEW_CALC).
func skewTime(version, p int, mai time.Duration) time.Duration {
	n := int64(256 - p)
	if version == 3 {
		cs := int64(mai / (10 * time.Millisecond))
		return time.Duration(n*cs*625/16) * time.Microsecond
	}
	return time.Duration(n*1_000_000/256) * time.Microsecond
}

// skewPriority is the priority used for Skew_Time: 255 for an address
// owner whatever its effective priority, else the effective priority
// (vrrp.h VRRP_TIMER_SKEW).
func (in *Instance) skewPriority() int {
	if in.p.Priority == PriorityOwner {
		return PriorityOwner
	}
	return in.prio
}

// skew is the instance's current Skew_Time.
func (in *Instance) skew() time.Duration {
	return skewTime(in.p.Version, in.skewPriority(), in.masterAdverInt)
}

// masterDown is Master_Down_Interval (RFC 5798 §6.1): down_timer_adverts
// (3 in the RFC) times Master_Adver_Interval plus Skew_Time.
func (in *Instance) masterDown() time.Duration {
	return time.Duration(in.p.DownTimerAdverts)*in.masterAdverInt + in.skew()
}
