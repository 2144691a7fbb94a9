package simulator

import (
	"crypto/sha512"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

type image struct {
	base
	Visibility      string
	DiskFormat      string
	ContainerFormat string
	MinDisk, MinRAM int
	Size            int64
	Properties      map[string]string
}

// Image describes an image added with AddImage.
type Image struct {
	Name string
	// Visibility is public (default), private, shared or community.
	Visibility string
	// Properties such as os_type, architecture, hw_disk_bus.
	Properties map[string]string
	Tags       []string
	MinDiskGiB int
	SizeBytes  int64
}

// AddImage adds an active image owned by the admin project and returns its
// ID. Such images count as seeded: they are never leaks.
func (s *Simulator) AddImage(img Image) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addImage(s.projectByName("admin"), img).ID
}

func (s *Simulator) addImage(st *store, img Image) *image {
	im := &image{
		base: s.newBase(st.project.ID, img.Name), Visibility: img.Visibility, DiskFormat: "qcow2",
		ContainerFormat: "bare", MinDisk: img.MinDiskGiB, Size: img.SizeBytes, Properties: img.Properties,
	}
	im.Tags = img.Tags
	if im.Visibility == "" {
		im.Visibility = "public"
	}
	st.images[im.ID] = im
	s.seeded[im.ID] = true
	return im
}

func (s *Simulator) routeGlance() {
	s.handle("GET /image/{$}", true, func(c *call) error {
		var versions []any
		for _, v := range []string{"v2.16", "v2.15", "v2.9"} {
			status := "SUPPORTED"
			if v == "v2.16" {
				status = "CURRENT"
			}
			versions = append(versions, map[string]any{"id": v, "status": status,
				"links": []map[string]string{{"rel": "self", "href": c.baseURL() + "/image/v2/"}}})
		}
		return c.reply(300, map[string]any{"versions": versions})
	})
	s.handle("GET /image/v2/images", false, listImages)
	s.handle("GET /image/v2/images/{id}", false, func(c *call) error {
		img := c.s.visibleImage(c.st.project.ID, c.r.PathValue("id"))
		if img == nil {
			return errf(http.StatusNotFound, "", "No image found with ID %s", c.r.PathValue("id"))
		}
		return c.reply(200, imageView(img))
	})
}

func (s *Simulator) visibleImage(projectID, id string) *image {
	img, _ := find(s, func(st *store) map[string]*image { return st.images }, id)
	if img == nil || (img.ProjectID != projectID && img.Visibility != "public" && img.Visibility != "community") {
		return nil
	}
	return img
}

func imageView(img *image) view {
	v := view{}
	for k, val := range img.Properties {
		v[k] = val
	}
	for k, val := range map[string]any{
		"id": img.ID, "name": img.Name, "status": "active", "visibility": img.Visibility,
		"tags": tagsOrEmpty(img.Tags), "container_format": img.ContainerFormat, "disk_format": img.DiskFormat,
		"min_disk": img.MinDisk, "min_ram": img.MinRAM, "owner": img.ProjectID, "protected": false,
		"os_hidden": false, "checksum": nil, "size": img.Size, "virtual_size": nil, "stores": "file",
		"os_hash_algo": "sha512", "os_hash_value": fmt.Sprintf("%x", sha512.Sum512([]byte(img.ID))),
		"created_at": isoZ(img.Created), "updated_at": isoZ(img.Updated), "self": "/v2/images/" + img.ID,
		"file": "/v2/images/" + img.ID + "/file", "schema": "/v2/schemas/image",
	} {
		v[k] = val
	}
	return v
}

// imageQueryKeys are list parameters that are not property filters.
var imageQueryKeys = []string{"limit", "marker", "sort", "sort_key", "sort_dir", "visibility", "tag", "member_status"}

func listImages(c *call) error {
	q := c.r.URL.Query()
	visibility := q.Get("visibility")
	var views []view
	for _, img := range collect(c.s, func(st *store) map[string]*image { return st.images }, func(img *image) bool {
		own := img.ProjectID == c.st.project.ID
		switch visibility {
		case "", "all":
			return own || img.Visibility == "public" || (visibility == "all" && img.Visibility == "community")
		default:
			return img.Visibility == visibility && (own || visibility == "public" || visibility == "community")
		}
	}) {
		if !hasAllTags(img.Tags, q["tag"]) || !matchProperties(imageView(img), q) {
			continue
		}
		views = append(views, imageView(img))
	}
	slices.Reverse(views) // newest first, as Glance sorts by created_at desc
	page, next, err := paginate(views, q, 25)
	if err != nil {
		return err
	}
	body := map[string]any{"images": page, "first": "/v2/images", "schema": "/v2/schemas/images"}
	if next != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("marker", next)
		body["next"] = "/v2/images?" + nq.Encode()
	}
	return c.reply(200, body)
}

func hasAllTags(tags, want []string) bool {
	for _, t := range want {
		if !slices.Contains(tags, t) {
			return false
		}
	}
	return true
}

// matchProperties applies every non-reserved query parameter as an exact
// match on the image's field or property; a missing property never matches.
func matchProperties(v view, q url.Values) bool {
	for key, want := range q {
		if slices.Contains(imageQueryKeys, key) {
			continue
		}
		got, ok := v[key]
		if !ok || !matchField(got, want) {
			return false
		}
	}
	return true
}
