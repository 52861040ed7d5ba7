package soak

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"sort"
	"time"
)

const redisAddr = "127.0.0.1:6379"

// report holds the figures of a run.
type report struct {
	conns, windows                         int
	sent, acked, delivered, required, lost int
	lostGap, lostCross                     int // lost by the gap rule only; lost across nodes
	examples                               []string
	dups, reordered, stray, late           int
	ackMissing, ackStray                   int
}

// check applies the delivery rules to every membership window:
//   - duplicates: a (sender, seq) received twice in one window;
//   - reordered: a sender's seqs not strictly increasing in one window;
//   - stray: a packet received outside any window, or one its sender never sent to that
//     room; a packet received after a leave ack counts as "late" instead when its
//     broadcast was written before that leave ack (the broadcast and the leave ran
//     concurrently, on different connections), once;
//   - lost: an acknowledged broadcast to the window's room that was written after the join
//     ack and acknowledged before the leave was written (or the run stopped), on a window
//     not cut by a disconnect, and not received (for a window ended by a leave, only broadcasts sent through the
//     receiver's own node: across Redis the sender's ack does not mean delivered); plus, in every window, any acknowledged
//     broadcast of a sender between the first and the last one received from it (a gap).
func check(actors []*actor, stop time.Time) report {
	var r report
	type wsnap struct {
		w         *window
		got, late map[int][]int
	}
	var wins []wsnap
	for _, a := range actors {
		a.mu.Lock()
		r.conns += a.conns
		r.stray += a.stray
		r.ackMissing += a.ackMissing
		r.ackStray += a.ackStray
		for _, w := range a.all {
			got := make(map[int][]int, len(w.got))
			for k, v := range w.got {
				got[k] = append([]int(nil), v...)
			}
			late := make(map[int][]int, len(w.late))
			for k, v := range w.late {
				late[k] = append([]int(nil), v...)
			}
			wins = append(wins, wsnap{w, got, late})
		}
		for _, out := range a.out {
			for _, s := range out {
				r.sent++
				if !s.acked.IsZero() {
					r.acked++
				}
			}
		}
		a.mu.Unlock()
	}
	r.windows = len(wins)
	// room -> sender -> broadcasts (immutable once the actors stopped)
	type sentList struct {
		out []*sent
		idx map[int]int // seq -> position in out
	}
	byRoom := map[string]map[int]*sentList{}
	for _, a := range actors {
		for room, out := range a.out {
			if byRoom[room] == nil {
				byRoom[room] = map[int]*sentList{}
			}
			idx := make(map[int]int, len(out))
			for i, s := range out {
				idx[s.seq] = i
			}
			byRoom[room][a.id] = &sentList{out, idx}
		}
	}
	// room -> every send to it in write order, to find the senders active in a window
	// without visiting every sender the room ever had (that made a 10-minute run's
	// check take tens of minutes: windows x senders).
	type sendAt struct {
		t      time.Time
		sender int
	}
	timeline := map[string][]sendAt{}
	for room, senders := range byRoom {
		var tl []sendAt
		for sender, sl := range senders {
			for _, s := range sl.out {
				tl = append(tl, sendAt{s.write, sender})
			}
		}
		slices.SortFunc(tl, func(a, b sendAt) int { return a.t.Compare(b.t) })
		timeline[room] = tl
	}
	for _, ws := range wins {
		w := ws.w
		end := w.end
		if end.IsZero() {
			end = stop
		}
		// The senders that matter: those heard in the window, and those that sent
		// during it.
		active := map[int]bool{}
		for sender := range ws.got {
			active[sender] = true
		}
		for sender := range ws.late {
			active[sender] = true
		}
		if !w.cut && !w.start.IsZero() {
			tl := timeline[w.room]
			i := sort.Search(len(tl), func(i int) bool { return tl[i].t.After(w.start) })
			for ; i < len(tl) && tl[i].t.Before(end); i++ {
				active[tl[i].sender] = true
			}
		}
		for sender := range active {
			sl := byRoom[w.room][sender]
			if sl == nil {
				r.stray += len(ws.got[sender]) + len(ws.late[sender])
				continue
			}
			out, idx := sl.out, sl.idx
			got := ws.got[sender]
			r.delivered += len(got)
			recv := make(map[int]bool, len(got))
			first, last, prev := -1, -1, -1
			for _, seq := range got {
				i, ok := idx[seq]
				if !ok {
					r.stray++
					continue
				}
				if recv[seq] {
					r.dups++
					continue
				}
				recv[seq] = true
				if i < prev {
					r.reordered++
				}
				prev = i
				if first < 0 || i < first {
					first = i
				}
				last = max(last, i)
			}
			for _, seq := range ws.late[sender] {
				// After the leave ack: allowed only for a broadcast written before the
				// leave ack (it ran concurrently with the leave), and only once.
				i, ok := idx[seq]
				if !ok || recv[seq] || !out[i].write.Before(w.leaveAck) {
					r.stray++
					continue
				}
				recv[seq] = true
				r.late++
			}
			// Only the sends inside the window, or between the first and last received,
			// can be required or a gap: out is in write order (one sender goroutine), so
			// both ends are found by binary search. Iterating all of out for every window
			// made a 10-minute run's check quadratic (tens of minutes).
			lo, hi := 0, 0
			if !w.cut && !w.start.IsZero() {
				lo = sort.Search(len(out), func(i int) bool { return out[i].write.After(w.start) })
				hi = sort.Search(len(out), func(i int) bool { return !out[i].write.Before(end) })
			}
			if first >= 0 {
				if hi <= lo {
					lo, hi = first+1, last
				} else {
					lo, hi = min(lo, first+1), max(hi, last)
				}
			}
			for i := lo; i < hi; i++ {
				s := out[i]
				if s.acked.IsZero() {
					continue
				}
				need := !w.cut && !w.start.IsZero() && s.write.After(w.start) && s.acked.Before(end)
				if !w.leaveAck.IsZero() && s.node != w.node {
					// Across nodes the sender's ack only says its node published the
					// packet; the receiver's node delivers it later, possibly after
					// processing the leave: only the gap rule holds at the window's end.
					need = false
				}
				gap := first >= 0 && i > first && i < last
				if need {
					r.required++
				}
				if (need || gap) && !recv[s.seq] {
					r.lost++
					if !need {
						r.lostGap++
					}
					if s.node != w.node {
						r.lostCross++
					}
					if len(r.examples) < 10 {
						r.examples = append(r.examples, fmt.Sprintf("room %s sender %d seq %d node %d->%d write %v before stop, acked %v later; window start %v before stop end %v cut %v leaveAck %v got %v",
							w.room, sender, s.seq, s.node, w.node, stop.Sub(s.write), s.acked.Sub(s.write), stop.Sub(w.start), stop.Sub(end), w.cut, !w.leaveAck.IsZero(), got))
					}
				}
			}
		}
		for sender, got := range ws.got {
			if _, ok := byRoom[w.room][sender]; !ok {
				r.stray += len(got) + len(ws.late[sender])
			}
		}
	}
	return r
}

// ensureRedis starts redis-server on redisAddr when nothing listens there.
func ensureRedis() error {
	if c, err := net.DialTimeout("tcp", redisAddr, time.Second); err == nil {
		return c.Close()
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return fmt.Errorf("nothing listens on %s and redis-server is not installed (apt-get install redis-server)", redisAddr)
	}
	out, err := exec.Command(path, "--daemonize", "yes", "--port", "6379", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no").CombinedOutput()
	if err != nil {
		return fmt.Errorf("start redis-server: %v: %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if c, err := net.DialTimeout("tcp", redisAddr, time.Second); err == nil {
			return c.Close()
		}
		t := time.NewTimer(50 * time.Millisecond)
		<-t.C
	}
	return fmt.Errorf("redis-server did not start listening on %s", redisAddr)
}
