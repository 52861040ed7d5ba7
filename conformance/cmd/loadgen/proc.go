package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime/stime in /proc/PID/stat (100 on Linux).
const clockTicks = 100

// procSample is one reading of a process's memory and CPU time.
type procSample struct {
	rssKB int64
	cpuS  float64 // utime + stime, seconds
}

// readProc reads VmRSS from /proc/PID/status and utime+stime from /proc/PID/stat.
func readProc(pid int) (procSample, error) {
	var s procSample
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, fmt.Errorf("loadgen: -pid %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				s.rssKB, _ = strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("loadgen: -pid %d: %w", pid, err)
	}
	// Fields after the command name (which may hold spaces) start at field 3 (state);
	// utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("loadgen: -pid %d: unreadable /proc stat %q", pid, trunc(stat))
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, fmt.Errorf("loadgen: -pid %d: short /proc stat", pid)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	stt, _ := strconv.ParseInt(f[12], 10, 64)
	s.cpuS = float64(ut+stt) / clockTicks
	return s, nil
}
