package simulator

import (
	"crypto/ed25519"
	"crypto/md5" //nolint:gosec // Nova's key fingerprints are MD5
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
)

type keypair struct {
	base
	PublicKey, Fingerprint, Type, UserID string
	number                               int
}

type serverGroup struct {
	base
	Policy  string
	Members []string
	UserID  string
}

func (s *Simulator) routeKeypairs() {
	s.handle("POST "+novaPrefix+"/os-keypairs", false, createKeypair)
	s.handle("GET "+novaPrefix+"/os-keypairs", false, func(c *call) error {
		out := []any{}
		for _, k := range sorted(c.st.keypairs) {
			out = append(out, map[string]any{"keypair": map[string]any{
				"name": k.Name, "public_key": k.PublicKey, "fingerprint": k.Fingerprint, "type": k.Type,
			}})
		}
		return c.reply(200, map[string]any{"keypairs": out})
	})
	s.handle("GET "+novaPrefix+"/os-keypairs/{name}", false, func(c *call) error {
		k := c.st.keypairs[c.r.PathValue("name")]
		if k == nil {
			return errf(http.StatusNotFound, "", "Keypair %s not found for user %s", c.r.PathValue("name"), c.tok.user.ID)
		}
		return c.reply(200, map[string]any{"keypair": keypairView(k)})
	})
	s.handle("DELETE "+novaPrefix+"/os-keypairs/{name}", false, func(c *call) error {
		if c.st.keypairs[c.r.PathValue("name")] == nil {
			return errf(http.StatusNotFound, "", "Keypair %s not found for user %s", c.r.PathValue("name"), c.tok.user.ID)
		}
		delete(c.st.keypairs, c.r.PathValue("name"))
		return c.reply(202, nil)
	})
}

func keypairView(k *keypair) map[string]any {
	return map[string]any{
		"name": k.Name, "public_key": k.PublicKey, "fingerprint": k.Fingerprint, "type": k.Type,
		"user_id": k.UserID, "id": k.number, "created_at": isoMicro(k.Created), "deleted": false,
		"deleted_at": nil, "updated_at": nil,
	}
}

func createKeypair(c *call) error {
	var req struct {
		Name      string `json:"name"`
		PublicKey string `json:"public_key"`
		Type      string `json:"type"`
	}
	if err := c.decodeAs("keypair", &req); err != nil {
		return err
	}
	if req.Name == "" {
		return badRequest("Invalid input for field/attribute name.")
	}
	if c.st.keypairs[req.Name] != nil {
		return errf(http.StatusConflict, "", "Key pair '%s' already exists.", req.Name)
	}
	if exceeds(c.st.project.Quota.KeyPairs, len(c.st.keypairs), 1) {
		return errf(http.StatusForbidden, "", "Quota exceeded, too many key pairs.")
	}
	k := &keypair{base: c.s.newBase(c.st.project.ID, req.Name), Type: "ssh", UserID: c.tok.user.ID, PublicKey: req.PublicKey}
	k.number = int(k.seq)
	var private string
	if k.PublicKey == "" {
		if c.mv >= 92 {
			return badRequest("Invalid input for field/attribute keypair. 'public_key' is a required property")
		}
		k.PublicKey, private = generateKey(req.Name)
	}
	fp, err := fingerprint(k.PublicKey)
	if err != nil {
		return badRequest("Keypair data is invalid: failed to generate fingerprint")
	}
	k.Fingerprint = fp
	c.st.keypairs[k.Name] = k
	out := map[string]any{"name": k.Name, "public_key": k.PublicKey, "fingerprint": k.Fingerprint, "user_id": k.UserID, "type": k.Type}
	if private != "" {
		out["private_key"] = private
	}
	status := 200
	if c.mv >= 2 {
		status = 201
	}
	return c.reply(status, map[string]any{"keypair": out})
}

// generateKey returns an ssh-ed25519 public key line and its PEM private key.
func generateKey(comment string) (public, private string) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	blob := sshString([]byte("ssh-ed25519"))
	blob = append(blob, sshString(pub)...)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		panic(err)
	}
	public = "ssh-ed25519 " + base64.StdEncoding.EncodeToString(blob) + " " + comment
	return public, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func sshString(b []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(b)))
	return append(out, b...)
}

// fingerprint is the colon separated MD5 of an OpenSSH public key's blob.
func fingerprint(publicKey string) (string, error) {
	fields := strings.Fields(publicKey)
	if len(fields) < 2 {
		return "", fmt.Errorf("not an OpenSSH public key")
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return "", err
	}
	sum := md5.Sum(blob) //nolint:gosec // as Nova does
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":"), nil
}

func (s *Simulator) routeServerGroups() {
	s.handle("POST "+novaPrefix+"/os-server-groups", false, createServerGroup)
	s.handle("GET "+novaPrefix+"/os-server-groups", false, func(c *call) error {
		var views []view
		for _, g := range sorted(c.st.serverGroups) {
			views = append(views, c.serverGroupView(g))
		}
		return c.listReply("server_groups", views, 1000)
	})
	s.handle("GET "+novaPrefix+"/os-server-groups/{id}", false, func(c *call) error {
		g := c.st.serverGroups[c.r.PathValue("id")]
		if g == nil {
			return errf(http.StatusNotFound, "", "Instance group %s could not be found.", c.r.PathValue("id"))
		}
		return c.reply(200, map[string]any{"server_group": c.serverGroupView(g)})
	})
	s.handle("DELETE "+novaPrefix+"/os-server-groups/{id}", false, func(c *call) error {
		if c.st.serverGroups[c.r.PathValue("id")] == nil {
			return errf(http.StatusNotFound, "", "Instance group %s could not be found.", c.r.PathValue("id"))
		}
		delete(c.st.serverGroups, c.r.PathValue("id"))
		return c.reply(204, nil)
	})
}

func (c *call) serverGroupView(g *serverGroup) view {
	v := view{
		"id": g.ID, "name": g.Name, "members": append([]string{}, g.Members...), "project_id": g.ProjectID,
		"user_id": g.UserID,
	}
	if c.mv >= 64 {
		v["policy"], v["rules"] = g.Policy, map[string]any{}
	} else {
		v["policies"], v["metadata"] = []string{g.Policy}, map[string]any{}
	}
	return v
}

func createServerGroup(c *call) error {
	var req struct {
		Name     string   `json:"name"`
		Policies []string `json:"policies"`
		Policy   string   `json:"policy"`
	}
	if err := c.decodeAs("server_group", &req); err != nil {
		return err
	}
	policy := req.Policy
	if c.mv < 64 && len(req.Policies) == 1 {
		policy = req.Policies[0]
	}
	switch policy {
	case "affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity":
	default:
		return badRequest("Invalid input for field/attribute policies. Value: %v.", req.Policies)
	}
	if exceeds(c.st.project.Quota.ServerGroups, len(c.st.serverGroups), 1) {
		return errf(http.StatusForbidden, "", "Quota exceeded, too many server groups.")
	}
	g := &serverGroup{base: c.s.newBase(c.st.project.ID, req.Name), Policy: policy, Members: []string{}, UserID: c.tok.user.ID}
	c.st.serverGroups[g.ID] = g
	return c.reply(200, map[string]any{"server_group": c.serverGroupView(g)})
}
