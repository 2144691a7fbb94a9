package simulator

import (
	"net/http"
	"slices"
)

// routeNeutronTags serves the standard-attr-tag API for each taggable
// resource: PUT/GET/DELETE /v2.0/{resource}/{id}/tags[/{tag}].
func (s *Simulator) routeNeutronTags() {
	lookups := map[string]func(c *call, id string) (*base, error){
		"networks": func(c *call, id string) (*base, error) {
			n := c.st.networks[id]
			if n == nil {
				return nil, neutronNotFound("Network", id)
			}
			return &n.base, nil
		},
		"subnets": func(c *call, id string) (*base, error) {
			sn := c.st.subnets[id]
			if sn == nil {
				return nil, neutronNotFound("Subnet", id)
			}
			return &sn.base, nil
		},
		"ports":           func(c *call, id string) (*base, error) { p, err := c.port(id); return metaOf(p, err) },
		"routers":         func(c *call, id string) (*base, error) { r, err := c.router(id); return metaOf(r, err) },
		"security-groups": func(c *call, id string) (*base, error) { g, err := c.secGroup(id); return metaOf(g, err) },
		"floatingips":     func(c *call, id string) (*base, error) { f, err := c.floatingIP(id); return metaOf(f, err) },
		"trunks":          func(c *call, id string) (*base, error) { t, err := c.trunk(id); return metaOf(t, err) },
	}
	for name, lookup := range lookups {
		prefix := neutronPrefix + "/" + name + "/{id}/tags"
		withTarget := func(fn func(c *call, b *base) error) handlerFunc {
			return func(c *call) error {
				b, err := lookup(c, c.r.PathValue("id"))
				if err != nil {
					return err
				}
				return fn(c, b)
			}
		}
		s.handle("GET "+prefix, false, withTarget(func(c *call, b *base) error {
			return c.reply(200, map[string]any{"tags": tagsOrEmpty(b.Tags)})
		}))
		s.handle("PUT "+prefix, false, withTarget(func(c *call, b *base) error {
			var req struct {
				Tags []string `json:"tags"`
			}
			if err := c.decode(&req); err != nil {
				return err
			}
			b.Tags = slices.Compact(slices.Sorted(slices.Values(req.Tags)))
			return c.reply(200, map[string]any{"tags": tagsOrEmpty(b.Tags)})
		}))
		s.handle("DELETE "+prefix, false, withTarget(func(c *call, b *base) error {
			b.Tags = nil
			return c.reply(204, nil)
		}))
		s.handle("GET "+prefix+"/{tag}", false, withTarget(func(c *call, b *base) error {
			if !slices.Contains(b.Tags, c.r.PathValue("tag")) {
				return errf(http.StatusNotFound, "TagNotFound", "Tag %s could not be found.", c.r.PathValue("tag"))
			}
			return c.reply(204, nil)
		}))
		s.handle("PUT "+prefix+"/{tag}", false, withTarget(func(c *call, b *base) error {
			if tag := c.r.PathValue("tag"); !slices.Contains(b.Tags, tag) {
				b.Tags = append(b.Tags, tag)
			}
			return c.reply(201, nil)
		}))
		s.handle("DELETE "+prefix+"/{tag}", false, withTarget(func(c *call, b *base) error {
			tag := c.r.PathValue("tag")
			if !slices.Contains(b.Tags, tag) {
				return errf(http.StatusNotFound, "TagNotFound", "Tag %s could not be found.", tag)
			}
			b.Tags = slices.DeleteFunc(b.Tags, func(t string) bool { return t == tag })
			return c.reply(204, nil)
		}))
	}
}

func metaOf[T resource](r T, err error) (*base, error) {
	if err != nil {
		return nil, err
	}
	return r.meta(), nil
}
