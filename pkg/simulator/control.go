package simulator

import (
	"encoding/json"
	"net/http"
	"time"
)

// faultJSON is Fault on the control API; delay is a Go duration string.
type faultJSON struct {
	Method      string      `json:"method"`
	Path        string      `json:"path"`
	Body        string      `json:"body"`
	First       int         `json:"first"`
	Every       int         `json:"every"`
	Probability float64     `json:"probability"`
	Action      FaultAction `json:"action"`
	Status      int         `json:"status"`
	Message     string      `json:"message"`
	RetryAfter  int         `json:"retry_after"`
	Delay       string      `json:"delay"`
}

// routeControl serves the simulator's own API under /_sim/:
//
//	POST   /_sim/faults     add a fault (JSON, see faultJSON)
//	DELETE /_sim/faults     remove all faults
//	GET    /_sim/counters   request counters and token-issue count
//	DELETE /_sim/counters   reset them
//	GET    /_sim/inventory  every live resource
//	GET    /_sim/leaks?tag= non-seeded live resources (with the tag)
func (s *Simulator) routeControl() {
	s.control.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var in faultJSON
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var delay time.Duration
		if in.Delay != "" {
			d, err := time.ParseDuration(in.Delay)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			delay = d
		}
		err := s.AddFault(Fault{
			Method: in.Method, Path: in.Path, Body: in.Body, First: in.First, Every: in.Every,
			Probability: in.Probability, Action: in.Action, Status: in.Status, Message: in.Message,
			RetryAfter: in.RetryAfter, Delay: delay,
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	s.control.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	s.control.HandleFunc("GET /_sim/counters", func(w http.ResponseWriter, _ *http.Request) {
		counts := s.Counts()
		writeJSON(w, map[string]any{
			"counts": counts, "total": counts.Total(), "writes": counts.Writes(),
			"by_service": counts.ByService(), "tokens_issued": s.TokensIssued(),
		})
	})
	s.control.HandleFunc("DELETE /_sim/counters", func(w http.ResponseWriter, _ *http.Request) {
		s.ResetCounts()
		w.WriteHeader(http.StatusNoContent)
	})
	s.control.HandleFunc("GET /_sim/inventory", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"resources": s.Inventory()})
	})
	s.control.HandleFunc("GET /_sim/leaks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"resources": s.Leaks(r.URL.Query().Get("tag"))})
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
