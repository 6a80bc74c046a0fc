package benchmark

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Machine is what the report says about the machine it ran on.
type Machine struct {
	CPUs      int
	CPUModel  string
	MemoryMB  int64
	Kernel    string
	GoVersion string
	// PostgreSQL is the server's version string.
	PostgreSQL string
}

// ReadMachine reads the machine's facts from /proc (Linux); what it cannot
// read stays empty.
func ReadMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				m.MemoryMB = kb / 1024
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// LoadSampler samples the 1-minute load average while a run goes on: on a
// shared machine it says how busy the others kept it.
type LoadSampler struct {
	mu      sync.Mutex
	samples []float64
	// pressure holds /proc/pressure/cpu's "some avg10": the share of the
	// last 10 s in which a runnable task waited for a CPU.
	pressure []float64
}

// Sample reads /proc/loadavg every interval until ctx is done.
func (l *LoadSampler) Sample(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if v, ok := loadAverage(); ok {
			l.mu.Lock()
			l.samples = append(l.samples, v)
			l.mu.Unlock()
		}
		if v, ok := cpuPressure(); ok {
			l.mu.Lock()
			l.pressure = append(l.pressure, v)
			l.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Summary is the minimum, median and maximum of the samples.
func (l *LoadSampler) Summary() (lo, med, hi float64, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.samples) == 0 {
		return 0, 0, 0, 0
	}
	lo, hi = l.samples[0], l.samples[0]
	for _, v := range l.samples {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, median(l.samples), hi, len(l.samples)
}

// Pressure is the median of the CPU pressure samples (percent), and how
// many there were (0 where the kernel does not report it).
func (l *LoadSampler) Pressure() (med float64, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return median(l.pressure), len(l.pressure)
}

// cpuPressure is /proc/pressure/cpu's "some avg10", in percent.
func cpuPressure() (float64, bool) {
	b, err := os.ReadFile("/proc/pressure/cpu")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "avg10="); ok {
			p, err := strconv.ParseFloat(v, 64)
			return p, err == nil
		}
	}
	return 0, false
}

// loadAverage is the 1-minute load average.
func loadAverage() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	return v, err == nil
}

// SelfPeakRSS is this process's peak resident set size in bytes (VmHWM).
func SelfPeakRSS() int64 { return peakRSS("/proc/self/status") }

// PeakRSS is process pid's peak resident set size in bytes (VmHWM), 0 when
// it cannot be read.
func PeakRSS(pid int) int64 { return peakRSS("/proc/" + strconv.Itoa(pid) + "/status") }

func peakRSS(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
