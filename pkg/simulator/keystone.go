package simulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

const (
	defaultDomainID   = "default"
	defaultDomainName = "Default"
)

type user struct {
	ID, Name, Password string
	DefaultProject     string
	Projects           []string
}

type appCredential struct {
	ID, Name, Secret  string
	UserID, ProjectID string
}

type token struct {
	ID        string
	user      *user
	projectID string
	methods   []string
	appCred   *appCredential
	issued    time.Time
	expires   time.Time
}

func (s *Simulator) routeKeystone() {
	s.handle("GET /{$}", true, keystoneVersions)
	s.handle("GET /identity/{$}", true, keystoneVersions)
	s.handle("GET /identity/v3/{$}", true, func(c *call) error {
		return c.reply(200, map[string]any{"version": keystoneVersion(c)})
	})
	s.handle("POST /identity/v3/auth/tokens", true, createToken)
	s.handle("GET /identity/v3/auth/tokens", false, validateToken)
	s.handle("DELETE /identity/v3/auth/tokens", false, revokeToken)
}

func keystoneVersion(c *call) map[string]any {
	return map[string]any{
		"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
		"links":       []map[string]string{{"rel": "self", "href": c.baseURL() + "/identity/v3/"}},
		"media-types": []map[string]string{{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}},
	}
}

func keystoneVersions(c *call) error {
	return c.reply(300, map[string]any{"versions": map[string]any{"values": []any{keystoneVersion(c)}}})
}

// authenticate checks X-Auth-Token and scopes the call to its project.
func (c *call) authenticate() error {
	t := c.s.tokens[c.r.Header.Get("X-Auth-Token")]
	if t == nil || !c.now.Before(t.expires) || t.projectID == "" {
		return errf(http.StatusUnauthorized, "", "The request you have made requires authentication.")
	}
	c.tok = t
	c.st = c.s.projects[t.projectID]
	return nil
}

type domainRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (d *domainRef) isDefault() bool {
	return d == nil || d.ID == defaultDomainID || (d.ID == "" && d.Name == defaultDomainName)
}

type userRef struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Password string     `json:"password"`
	Domain   *domainRef `json:"domain"`
}

type authRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User userRef `json:"user"`
			} `json:"password"`
			Token *struct {
				ID string `json:"id"`
			} `json:"token"`
			AppCred *struct {
				ID     string   `json:"id"`
				Name   string   `json:"name"`
				Secret string   `json:"secret"`
				User   *userRef `json:"user"`
			} `json:"application_credential"`
		} `json:"identity"`
		Scope json.RawMessage `json:"scope"`
	} `json:"auth"`
}

func unauthorized() *apiError {
	return errf(http.StatusUnauthorized, "", "The request you have made requires authentication.")
}

func createToken(c *call) error {
	var req authRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	id := req.Auth.Identity
	t := &token{methods: id.Methods, issued: c.now}
	switch {
	case slices.Contains(id.Methods, "password") && id.Password != nil:
		u := c.s.findUser(id.Password.User)
		if u == nil || u.Password != id.Password.User.Password {
			return unauthorized()
		}
		t.user, t.projectID, t.expires = u, u.DefaultProject, c.now.Add(c.s.opts.TokenTTL)
	case slices.Contains(id.Methods, "token") && id.Token != nil:
		old := c.s.tokens[id.Token.ID]
		if old == nil || !c.now.Before(old.expires) {
			return unauthorized()
		}
		t.user, t.projectID, t.expires, t.appCred = old.user, old.projectID, old.expires, old.appCred
	case slices.Contains(id.Methods, "application_credential") && id.AppCred != nil:
		ac := c.s.findAppCred(id.AppCred.ID, id.AppCred.Name, id.AppCred.User)
		if ac == nil || ac.Secret != id.AppCred.Secret {
			return unauthorized()
		}
		if len(req.Auth.Scope) > 0 {
			return unauthorized()
		}
		t.user, t.projectID, t.appCred, t.expires = c.s.users[ac.UserID], ac.ProjectID, ac, c.now.Add(c.s.opts.TokenTTL)
	default:
		return badRequest("Expecting to find identity in auth.")
	}
	if len(req.Auth.Scope) > 0 {
		pid, err := c.s.resolveScope(req.Auth.Scope, t.user)
		if err != nil {
			return err
		}
		t.projectID = pid
	}
	t.ID = "gAAAAA" + newHexID() + newHexID()
	c.s.tokens[t.ID] = t
	c.s.tokensIssued++
	c.w.Header().Set("X-Subject-Token", t.ID)
	return c.reply(201, map[string]any{"token": c.tokenBody(t)})
}

func validateToken(c *call) error {
	t := c.s.tokens[c.r.Header.Get("X-Subject-Token")]
	if t == nil || !c.now.Before(t.expires) {
		return errf(http.StatusNotFound, "", "Could not find token.")
	}
	c.w.Header().Set("X-Subject-Token", t.ID)
	return c.reply(200, map[string]any{"token": c.tokenBody(t)})
}

func revokeToken(c *call) error {
	id := c.r.Header.Get("X-Subject-Token")
	if c.s.tokens[id] == nil {
		return errf(http.StatusNotFound, "", "Could not find token.")
	}
	delete(c.s.tokens, id)
	return c.reply(204, nil)
}

func (s *Simulator) findUser(ref userRef) *user {
	for _, u := range s.users {
		if (ref.ID != "" && u.ID == ref.ID) || (ref.ID == "" && u.Name == ref.Name && ref.Domain.isDefault()) {
			return u
		}
	}
	return nil
}

func (s *Simulator) findAppCred(id, name string, owner *userRef) *appCredential {
	if id != "" {
		return s.appCreds[id]
	}
	if owner == nil {
		return nil
	}
	u := s.findUser(*owner)
	for _, ac := range s.appCreds {
		if u != nil && ac.UserID == u.ID && ac.Name == name {
			return ac
		}
	}
	return nil
}

// resolveScope returns the project a scope names, provided the user has a
// role on it.
func (s *Simulator) resolveScope(raw json.RawMessage, u *user) (string, error) {
	var scope struct {
		Project *struct {
			ID     string     `json:"id"`
			Name   string     `json:"name"`
			Domain *domainRef `json:"domain"`
		} `json:"project"`
	}
	if json.Unmarshal(raw, &scope) != nil || scope.Project == nil {
		return "", nil // "unscoped" or a domain scope: no project.
	}
	for _, pid := range u.Projects {
		p := s.projects[pid].project
		if p.ID == scope.Project.ID || (scope.Project.ID == "" && p.Name == scope.Project.Name && scope.Project.Domain.isDefault()) {
			return p.ID, nil
		}
	}
	return "", unauthorized()
}

func (c *call) tokenBody(t *token) map[string]any {
	domain := map[string]string{"id": defaultDomainID, "name": defaultDomainName}
	body := map[string]any{
		"methods":    t.methods,
		"issued_at":  t.issued.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"expires_at": t.expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"audit_ids":  []string{t.ID[len(t.ID)-22:]},
		"is_domain":  false,
		"user":       map[string]any{"id": t.user.ID, "name": t.user.Name, "domain": domain, "password_expires_at": nil},
	}
	if t.appCred != nil {
		body["application_credential"] = map[string]any{"id": t.appCred.ID, "name": t.appCred.Name, "restricted": true}
	}
	if t.projectID != "" {
		p := c.s.projects[t.projectID].project
		body["project"] = map[string]any{"id": p.ID, "name": p.Name, "domain": domain}
		body["roles"] = []map[string]string{{"id": "member", "name": "member"}, {"id": "reader", "name": "reader"}}
		body["catalog"] = c.catalog(p.ID)
	}
	return body
}

// catalog lays the services out under path prefixes the way devstack does.
func (c *call) catalog(projectID string) []any {
	base := c.baseURL()
	services := []struct{ typ, name, url string }{
		{"identity", "keystone", base + "/identity"},
		{"compute", "nova", base + "/compute/v2.1"},
		{"network", "neutron", base + "/networking"},
		{"image", "glance", base + "/image"},
		{"block-storage", "cinder", base + "/volume/v3/" + projectID},
		{"volumev3", "cinderv3", base + "/volume/v3/" + projectID},
		{"load-balancer", "octavia", base + "/load-balancer"},
	}
	region := c.s.opts.Region
	out := make([]any, 0, len(services))
	for i, svc := range services {
		var eps []any
		for j, iface := range []string{"public", "internal", "admin"} {
			eps = append(eps, map[string]any{
				"id": idFor(i, j), "interface": iface, "region": region, "region_id": region, "url": svc.url,
			})
		}
		out = append(out, map[string]any{"id": idFor(i, 9), "type": svc.typ, "name": svc.name, "endpoints": eps})
	}
	return out
}

// idFor gives catalog entries stable IDs.
func idFor(i, j int) string {
	const hexdigits = "0123456789abcdef"
	b := []byte("00000000000000000000000000000000")
	b[30], b[31] = hexdigits[i%16], hexdigits[j%16]
	return string(b)
}
