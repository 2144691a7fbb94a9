// Package fleet drives many clusters through Cluster API against the OpenStack simulator, with
// this provider's manager running as its own process (the binary main.go builds), so that its
// memory and CPU can be measured and the process killed and restarted. The scale benchmark
// (test/cmd/bench) and the fault campaign (test/cmd/chaos and its short test) are built on it.
package fleet

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/capo-ng/cluster-api-provider-openstack/test/testenv"
)

// BuildManager builds the manager binary (main.go) into dir and returns its path.
func BuildManager(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "manager")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = testenv.RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build the manager: %w\n%s", err, b)
	}
	return out, nil
}

// ManagerProcess runs the manager binary against the test API server. Every line it prints is
// kept (Lines) so that callers can scan the logs, and every start appends to the same log.
type ManagerProcess struct {
	Binary     string
	Kubeconfig string
	// Args are extra flags, e.g. --sync-period or --openstack-write-qps.
	Args []string
	// MetricsAddr is where the manager serves Prometheus metrics (set by Start).
	MetricsAddr string

	mu       sync.Mutex
	cmd      *exec.Cmd
	waited   chan struct{}
	log      bytes.Buffer
	starts   int
	cpu      time.Duration // CPU of processes that exited
	peakRSS  int64         // bytes, over every process
	samplers sync.WaitGroup
	stopSamp chan struct{}
}

// Start starts a manager process; it must not be running.
func (m *ManagerProcess) Start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd != nil {
		return errors.New("the manager is already running")
	}
	if m.MetricsAddr == "" {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		m.MetricsAddr = addr
	}
	args := append([]string{
		"--kubeconfig=" + m.Kubeconfig, "--webhook-port=0", "--health-probe-bind-address=0",
		"--metrics-bind-address=" + m.MetricsAddr,
	}, m.Args...)
	cmd := exec.Command(m.Binary, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+m.Kubeconfig)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the manager: %w", err)
	}
	m.starts++
	m.cmd, m.waited, m.stopSamp = cmd, make(chan struct{}), make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			m.mu.Lock()
			m.log.Write(sc.Bytes())
			m.log.WriteByte('\n')
			m.mu.Unlock()
		}
	}()
	go func() {
		_ = cmd.Wait()
		_ = pw.Close()
		m.mu.Lock()
		if st := cmd.ProcessState; st != nil {
			m.cpu += st.UserTime() + st.SystemTime()
			if ru, ok := st.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > m.peakRSS {
				m.peakRSS = ru.Maxrss * 1024
			}
		}
		m.mu.Unlock()
		close(m.waited)
	}()
	m.samplers.Add(1)
	go m.sample(cmd.Process.Pid, m.stopSamp)
	return nil
}

// sample records the peak resident set of a live process every half second (VmHWM).
func (m *ManagerProcess) sample(pid int, stop chan struct{}) {
	defer m.samplers.Done()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		if hwm := vmHWM(pid); hwm > 0 {
			m.mu.Lock()
			m.peakRSS = max(m.peakRSS, hwm)
			m.mu.Unlock()
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// Kill SIGKILLs the running manager (a crash, an OOM kill, a node lost) and waits for it.
func (m *ManagerProcess) Kill() error { return m.stop(syscall.SIGKILL) }

// Stop asks the manager to stop (SIGTERM) and waits for it.
func (m *ManagerProcess) Stop() error { return m.stop(syscall.SIGTERM) }

func (m *ManagerProcess) stop(sig syscall.Signal) error {
	m.mu.Lock()
	cmd, waited, stop := m.cmd, m.waited, m.stopSamp
	m.mu.Unlock()
	if cmd == nil {
		return nil
	}
	close(stop)
	m.samplers.Wait()
	_ = cmd.Process.Signal(sig)
	select {
	case <-waited:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-waited
	}
	m.mu.Lock()
	m.cmd = nil
	m.mu.Unlock()
	return nil
}

// Running says whether a manager process is up (it may have exited on its own: Exited).
func (m *ManagerProcess) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cmd != nil
}

// Exited says whether the last process started has exited without being asked.
func (m *ManagerProcess) Exited() bool {
	m.mu.Lock()
	cmd, waited := m.cmd, m.waited
	m.mu.Unlock()
	if cmd == nil {
		return false
	}
	select {
	case <-waited:
		return true
	default:
		return false
	}
}

// Starts is how many processes were started.
func (m *ManagerProcess) Starts() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.starts
}

// Usage is the CPU time of every process that exited, plus the running one's, and the peak
// resident set size seen over all of them.
func (m *ManagerProcess) Usage() (cpu time.Duration, peakRSS int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cpu = m.cpu
	if m.cmd != nil && m.cmd.ProcessState == nil {
		cpu += procCPU(m.cmd.Process.Pid)
	}
	return cpu, m.peakRSS
}

// procCPU reads utime+stime of a live process.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// Log is everything the manager processes printed.
func (m *ManagerProcess) Log() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.log.String()
}

// Metrics scrapes the running manager's Prometheus endpoint and returns the samples whose
// name starts with prefix, keyed by "name{labels}".
func (m *ManagerProcess) Metrics(ctx context.Context, prefix string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.MetricsAddr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err == nil {
			out[l[:i]] = v
		}
	}
	return out, sc.Err()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
