// Command fidelity-report compares a real cloud's recording with the simulator's (both
// written by the e2e suite with E2E_RECORD) and prints the differences as markdown.
//
//	fidelity-report -real out/fidelity/openstack.json -sim out/fidelity/simulator.json [-explained test/e2e/fidelity/explained.txt]
//
// The explained file has one "difference or call<TAB>reason" per line.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/capo-ng/cluster-api-provider-openstack/test/e2e/fidelity"
)

func main() {
	realPath := flag.String("real", "", "the real cloud's recording")
	simPath := flag.String("sim", "", "the simulator's recording")
	explainedPath := flag.String("explained", "", "deliberate differences: 'difference<TAB>reason' lines")
	flag.Parse()
	if err := run(*realPath, *simPath, *explainedPath); err != nil {
		fmt.Fprintln(os.Stderr, "fidelity-report:", err)
		os.Exit(1)
	}
}

func run(realPath, simPath, explainedPath string) error {
	real, err := fidelity.Load(realPath)
	if err != nil {
		return err
	}
	sim, err := fidelity.Load(simPath)
	if err != nil {
		return err
	}
	explained := map[string]string{}
	if explainedPath != "" {
		f, err := os.Open(explainedPath)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if what, why, ok := strings.Cut(sc.Text(), "\t"); ok && !strings.HasPrefix(what, "#") {
				explained[what] = why
			}
		}
		if err := sc.Err(); err != nil {
			return err
		}
	}
	fmt.Print(fidelity.Report(real, sim, explained))
	return nil
}
