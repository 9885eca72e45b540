package notify

import "sync"

// queue runs jobs one after the other on a goroutine of its own, started
// with the first job and ended when the queue is empty. push never
// blocks.
type queue struct {
	mu      sync.Mutex
	jobs    []func()
	running bool
	wg      *sync.WaitGroup
}

func (q *queue) push(job func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, job)
	if q.running {
		return
	}
	q.running = true
	q.wg.Add(1)
	go q.loop()
}

func (q *queue) loop() {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		job := q.jobs[0]
		q.jobs[0] = nil
		q.jobs = q.jobs[1:]
		q.mu.Unlock()
		job()
	}
}
