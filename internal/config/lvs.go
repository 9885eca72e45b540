package config

// LVSSection holds the checker child's configuration.
type LVSSection struct{}

var lvsRoot = table[Config]{}

func (p *parser) validateLVS() {}
