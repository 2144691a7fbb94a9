# Everything here needs only Go (and bash): code generators are pinned in hack/tools/go.mod,
# clusterctl in go.mod, and the test API server is built from source into a cache outside the clone.
SHELL := /usr/bin/env bash -o pipefail -o errexit -c
.DEFAULT_GOAL := build

export GOFLAGS ?= -buildvcs=false
BIN := $(CURDIR)/bin
OUT := $(CURDIR)/out
CONTROLLER_GEN := $(BIN)/controller-gen
KUSTOMIZE := $(BIN)/kustomize
CLUSTERCTL := $(BIN)/clusterctl
MANAGER := $(BIN)/manager
VERSION ?= v0.1.0
IMG ?= ghcr.io/capo-ng/cluster-api-provider-openstack:$(VERSION)
# Packages that start a real API server: compiled without vet (vet runs separately on our code).
TEST_FLAGS ?= -race -vet=off -count=1
TEST_TIMEOUT ?= 30m

##@ Tools

$(CONTROLLER_GEN): hack/tools/go.mod hack/tools/go.sum
	go -C hack/tools build -o $@ sigs.k8s.io/controller-tools/cmd/controller-gen

$(KUSTOMIZE): hack/tools/go.mod hack/tools/go.sum
	go -C hack/tools build -o $@ sigs.k8s.io/kustomize/kustomize/v5

$(CLUSTERCTL): go.mod go.sum
	go build -o $@ sigs.k8s.io/cluster-api/cmd/clusterctl

.PHONY: tools
tools: $(CONTROLLER_GEN) $(KUSTOMIZE) $(CLUSTERCTL) ## Build the pinned code generators and clusterctl into bin/.

.PHONY: envtest-assets
envtest-assets: ## Build kube-apiserver, etcd and kubectl from source into the cache (reused when present).
	WITH_KUBECTL=1 hack/build-envtest-assets.sh

##@ Generate

.PHONY: generate
generate: generate-go generate-manifests generate-mocks ## Regenerate deepcopy, CRDs, RBAC, webhook manifests and mocks.

.PHONY: generate-go
generate-go: $(CONTROLLER_GEN)
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...

.PHONY: generate-manifests
generate-manifests: $(CONTROLLER_GEN)
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=manager-role paths=./controllers/... output:rbac:artifacts:config=config/rbac
	$(CONTROLLER_GEN) webhook paths=./pkg/webhooks/... output:webhook:artifacts:config=config/webhook

.PHONY: generate-mocks
generate-mocks:
	go generate ./pkg/clients/...

.PHONY: verify
verify: generate ## Fail when generated files differ from what is committed.
	@if [[ -n "$$(git status --porcelain -- api config pkg/clients/mock)" ]]; then \
		git status --porcelain -- api config pkg/clients/mock; git diff --stat -- api config pkg/clients/mock; \
		echo "generated files are stale: run 'make generate' and commit the result"; exit 1; fi

##@ Build

.PHONY: build
build: ## Build the manager binary into bin/manager.
	go build -ldflags "-X main.version=$(VERSION)" -o $(MANAGER) .

.PHONY: release-manifests
release-manifests: $(KUSTOMIZE) ## Write a clusterctl repository for this version into out/.
	mkdir -p $(OUT)
	$(KUSTOMIZE) build config/default | sed -e 's|image: ghcr.io/capo-ng/cluster-api-provider-openstack:dev|image: $(IMG)|' > $(OUT)/infrastructure-components.yaml
	cp metadata.yaml $(OUT)/metadata.yaml
	if compgen -G "templates/*.yaml" >/dev/null; then cp templates/*.yaml $(OUT)/; fi

##@ Test

.PHONY: vet
vet: ## go vet and gofmt on our own packages.
	go vet ./...
	@bad="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))"; \
		if [[ -n "$$bad" ]]; then echo "gofmt needed: $$bad"; exit 1; fi

.PHONY: test
test: vet $(KUSTOMIZE) $(CLUSTERCTL) ## Run every test (builds the test API server on first use).
	export KUBEBUILDER_ASSETS="$$(WITH_KUBECTL=1 hack/build-envtest-assets.sh)"; \
	export KUSTOMIZE="$(KUSTOMIZE)" CLUSTERCTL="$(CLUSTERCTL)"; \
	go test $(TEST_FLAGS) -timeout $(TEST_TIMEOUT) ./...

##@ Run

.PHONY: demo
demo: ## The whole job with no cloud: Cluster API + this provider + the OpenStack simulator; create, scale, delete a cluster.
	export KUBEBUILDER_ASSETS="$$(WITH_KUBECTL=1 hack/build-envtest-assets.sh)"; \
	go run ./test/cmd/demo $(DEMO_ARGS)

.PHONY: simulator
simulator: ## Serve the OpenStack simulator on 127.0.0.1:5000 and write its clouds.yaml into .cache/simulator.
	go run ./pkg/simulator/cmd/openstack-simulator -listen 127.0.0.1:5000 -dir $(CURDIR)/.cache/simulator $(SIMULATOR_ARGS)

.PHONY: clean
clean:
	rm -rf $(BIN) $(OUT)

.PHONY: help
help:
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*?##/ { printf "  %-20s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

.PHONY: e2e
e2e: $(CLUSTERCTL) ## End-to-end suite: Cluster API's controllers and ours against the OpenStack simulator (test/e2e).
	go vet ./test/e2e/...
	export KUBEBUILDER_ASSETS="$$(hack/build-envtest-assets.sh)" CLUSTERCTL="$(CLUSTERCTL)"; \
	go test -vet=off -count=1 -timeout 15m $(E2E_ARGS) ./test/e2e/...

##@ Real OpenStack (hack/openstack; root, Debian 12)

OPENSTACK_DIR ?= /var/tmp/capo-openstack
OPENSTACK_CLOUD ?= capo-demo

.PHONY: openstack-up
openstack-up: ## Install (first time) and start a real OpenStack on this machine from Debian packages; writes $(OPENSTACK_DIR)/clouds.yaml.
	CAPO_OPENSTACK_DIR=$(OPENSTACK_DIR) hack/openstack/up.sh

.PHONY: openstack-down
openstack-down: ## Stop the processes openstack-up started (data kept).
	CAPO_OPENSTACK_DIR=$(OPENSTACK_DIR) hack/openstack/down.sh

.PHONY: e2e-openstack
e2e-openstack: $(CLUSTERCTL) openstack-up ## The cloud-agnostic e2e scenarios (TestAnyCloud) against the real OpenStack of openstack-up.
	go vet ./test/e2e/...
	mkdir -p $(OUT)/fidelity
	export KUBEBUILDER_ASSETS="$$(hack/build-envtest-assets.sh)" CLUSTERCTL="$(CLUSTERCTL)" \
		E2E_CLOUDS_YAML=$(OPENSTACK_DIR)/clouds.yaml E2E_CLOUD=$(OPENSTACK_CLOUD) E2E_RECORD=$(OUT)/fidelity/openstack.json; \
	go test -vet=off -count=1 -timeout 40m -run '^TestAnyCloud$$' $(E2E_ARGS) ./test/e2e/...

.PHONY: fidelity
fidelity: $(CLUSTERCTL) ## Run TestAnyCloud on the simulator and compare its answers with e2e-openstack's recording: out/fidelity/report.md.
	test -f $(OUT)/fidelity/openstack.json || { echo "run make e2e-openstack first"; exit 1; }
	export KUBEBUILDER_ASSETS="$$(hack/build-envtest-assets.sh)" CLUSTERCTL="$(CLUSTERCTL)" E2E_RECORD=$(OUT)/fidelity/simulator.json; \
	go test -vet=off -count=1 -timeout 15m -run '^TestAnyCloud$$' ./test/e2e/...
	go run ./test/e2e/fidelity/cmd/fidelity-report -real $(OUT)/fidelity/openstack.json -sim $(OUT)/fidelity/simulator.json \
		-explained test/e2e/fidelity/explained.txt > $(OUT)/fidelity/report.md
	cat $(OUT)/fidelity/report.md

##@ Scale and faults

BENCH_CLUSTERS ?= 20
BENCH_MACHINES ?= 50
BENCH_OUT ?= $(CURDIR)/bench.json

.PHONY: bench
bench: ## Scale benchmark: BENCH_CLUSTERS × BENCH_MACHINES machines (default 20 × 50) against the simulator; table + $(BENCH_OUT).
	export KUBEBUILDER_ASSETS="$$(hack/build-envtest-assets.sh)"; \
	go run ./test/cmd/bench -clusters $(BENCH_CLUSTERS) -machines $(BENCH_MACHINES) -out $(BENCH_OUT) $(BENCH_ARGS)

.PHONY: bench-quick
bench-quick: ## The benchmark at 2 × 10 machines with a 10 s resync.
	$(MAKE) bench BENCH_CLUSTERS=2 BENCH_MACHINES=10 BENCH_ARGS="-sync-period 10s $(BENCH_ARGS)"

SEED ?= 1
RUNS ?= 10
CHAOS_RATE ?= 0.02

.PHONY: chaos
chaos: ## Fault campaign: RUNS runs from SEED (faults at CHAOS_RATE on every endpoint, manager killed and restarted); summary per run and totals.
	export KUBEBUILDER_ASSETS="$$(hack/build-envtest-assets.sh)"; \
	go run ./test/cmd/chaos -seed $(SEED) -runs $(RUNS) -rate $(CHAOS_RATE) $(CHAOS_ARGS)

FUZZTIME ?= 10s

.PHONY: fuzz
fuzz: ## Run each fuzz target (credential parser, webhook validation) for FUZZTIME (default 10s).
	go test -run '^$$' -fuzz '^FuzzParseCredentials$$' -fuzztime $(FUZZTIME) ./pkg/scope/
	go test -run '^$$' -fuzz '^FuzzValidateOpenStackCluster$$' -fuzztime $(FUZZTIME) ./pkg/webhooks/
	go test -run '^$$' -fuzz '^FuzzValidateOpenStackMachine$$' -fuzztime $(FUZZTIME) ./pkg/webhooks/
