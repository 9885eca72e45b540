package check

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// The checkers share one scheduler: a heap of when each checker runs
// next, and a pool of workers that probe and judge. A checker is in the
// heap or with a worker, never both, so it has one check at a time. The
// pool grows when every worker is busy (a check that hangs until its
// connect_timeout holds one worker, never the others) and a worker idle
// for workerIdle exits. With thousands of checkers this keeps a few hot
// goroutines instead of one per checker: their stacks are not grown and
// shrunk again at each check, and the garbage collector scans a few
// stacks instead of thousands.

// batchSlack is how early a check may start to go with others due: the
// checks due within it start together, so thousands of checks spread
// over a second wake the scheduler (and the TCP_CHECK engine) a few
// hundred times a second, not once per check.
const batchSlack = 2 * time.Millisecond

// workerIdle is how long an idle worker waits for work before it exits.
const workerIdle = 10 * time.Second

// due is a checker and when it runs next.
type due struct {
	at time.Time
	c  *checker
}

// dueHeap orders checkers by time (container/heap).
type dueHeap []due

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(due)) }
func (h *dueHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// scheduler runs checkers when they are due.
type scheduler struct {
	m    *Manager
	mu   sync.Mutex
	heap dueHeap
	// wake tells the loop the heap's head may have changed.
	wake chan struct{}
	// work hands a checker to a worker waiting for one.
	work    chan *checker
	workers sync.WaitGroup
}

func newScheduler(m *Manager) *scheduler {
	return &scheduler{m: m, wake: make(chan struct{}, 1), work: make(chan *checker)}
}

// at queues c to run at t.
func (s *scheduler) at(c *checker, t time.Time) {
	s.mu.Lock()
	heap.Push(&s.heap, due{at: t, c: c})
	head := s.heap[0].c == c
	s.mu.Unlock()
	if head {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// run hands due checkers to workers until ctx ends, then waits for the
// workers to stop.
func (s *scheduler) run(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	defer s.workers.Wait()
	for {
		now := time.Now()
		s.mu.Lock()
		var ready []*checker
		for len(s.heap) > 0 && !s.heap[0].at.After(now.Add(batchSlack)) {
			ready = append(ready, heap.Pop(&s.heap).(due).c)
		}
		next := time.Duration(-1)
		if len(s.heap) > 0 {
			next = s.heap[0].at.Sub(now)
		}
		s.mu.Unlock()
		for _, c := range ready {
			s.dispatch(ctx, c)
		}
		if len(ready) > 0 {
			continue // time passed while dispatching
		}
		if next >= 0 {
			t.Reset(next)
		}
		select {
		case <-ctx.Done():
			if s.m.conn != nil {
				s.m.conn.Close() // ends the pending connections before the Wait
			}
			return
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// dispatch gives c to a worker waiting for work, or to a new one when
// none is waiting; a TCP_CHECK goes to the Connector and an HTTP_GET
// without TLS to the Exchanger when there is one.
func (s *scheduler) dispatch(ctx context.Context, c *checker) {
	if c.tcp != nil && s.m.conn != nil {
		s.connect(ctx, c)
		return
	}
	if c.http != nil && s.m.x != nil {
		s.exchange(ctx, c)
		return
	}
	select {
	case s.work <- c:
	default:
		s.workers.Go(func() { s.worker(ctx, c) })
	}
}

// connect starts a TCP_CHECK on the Connector; its result is judged and
// the check rescheduled from the Connector's goroutine.
func (s *scheduler) connect(ctx context.Context, c *checker) {
	s.workers.Add(1)
	ep := c.tcp.ep
	s.m.conn.Connect(ep.src, ep.dst, ep.iface, ep.fwmark, c.timeout, func(err error) {
		defer s.workers.Done()
		if ctx.Err() != nil {
			return
		}
		s.at(c, time.Now().Add(s.m.judge(c, tcpResult(c.name, err))))
	})
}

// exchange runs an HTTP_GET on the Exchanger; its result is judged and
// the check rescheduled from the Exchanger's goroutine.
func (s *scheduler) exchange(ctx context.Context, c *checker) {
	s.workers.Add(1)
	c.http.exchange(s.m.x, 0, Result{OK: true}, func(res Result) {
		defer s.workers.Done()
		if ctx.Err() != nil {
			return
		}
		s.at(c, time.Now().Add(s.m.judge(c, res)))
	})
}

// worker checks c, then whatever it is given, until ctx ends or it has
// waited workerIdle for work.
func (s *scheduler) worker(ctx context.Context, c *checker) {
	// The probes' timeout contexts hang off the worker's own context:
	// deriving them all from ctx would make every probe register with
	// (and contend for) ctx's list of children.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		res := s.m.probeOnce(ctx, c)
		if ctx.Err() != nil {
			return
		}
		s.at(c, time.Now().Add(s.m.judge(c, res)))
		idle.Reset(workerIdle)
		select {
		case c = <-s.work:
		case <-idle.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
