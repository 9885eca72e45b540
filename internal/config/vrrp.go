package config

// VRRPSection holds the VRRP child's configuration.
type VRRPSection struct{}

var vrrpRoot = table[Config]{}

func (p *parser) validateVRRP() {}
