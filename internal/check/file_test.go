package check

import (
	"fmt"
	"strings"
	"testing"
)

func TestFileCheck(t *testing.T) {
	tests := []struct {
		name    string
		weight  int64
		reverse bool
		values  []int64
		want    string
	}{
		{"weight adds", 2, false, []int64{3, 0}, "weight up=true w=11; weight up=true w=5"},
		{"reverse subtracts", 1, true, []int64{2}, "weight up=true w=3"},
		{"fault fails the server", 1, false, []int64{-2147483648, 0},
			"down up=false w=5; up up=true w=5"},
		{"weight 0: non-zero fails", 0, false, []int64{7, 0}, "down up=false w=5; up up=true w=5"},
		{"overflow saturates to fault", 1 << 40, true, []int64{1 << 30}, "down up=false w=5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &server{baseW: 5, weight: 5, alive: true}
			fc := &fileCheck{weight: tt.weight, reverse: tt.reverse, rs: s}
			var got []string
			for _, v := range tt.values {
				for _, ev := range fc.set(v) {
					got = append(got, fmt.Sprintf("%s up=%v w=%d", ev.Kind, ev.Up, ev.Weight))
				}
			}
			if g := strings.Join(got, "; "); g != tt.want {
				t.Errorf("got  %s\nwant %s", g, tt.want)
			}
		})
	}
}
