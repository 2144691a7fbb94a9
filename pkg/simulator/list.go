package simulator

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// view is a resource rendered as its wire JSON object.
type view = map[string]any

// queryKeys that are never field filters.
var reservedQuery = map[string]bool{
	"limit": true, "marker": true, "sort_key": true, "sort_dir": true, "fields": true,
	"page_reverse": true, "tags": true, "tags-any": true, "not-tags": true, "not-tags-any": true,
}

// filterViews keeps the views matching every query parameter that names one
// of their fields (unknown parameters are ignored), plus the tag filters.
// Parameters in skip are left to the caller.
func filterViews(views []view, q url.Values, skip ...string) []view {
	out := make([]view, 0, len(views))
	for _, v := range views {
		if matchView(v, q, skip) {
			out = append(out, v)
		}
	}
	return out
}

func matchView(v view, q url.Values, skip []string) bool {
	for key, want := range q {
		if reservedQuery[key] || slices.Contains(skip, key) {
			continue
		}
		got, ok := v[key]
		if ok && !matchField(got, want) {
			return false
		}
	}
	tags, _ := v["tags"].([]string)
	return matchTags(tags, q)
}

// matchField reports whether got equals one of want (or, for a list field,
// contains one of them).
func matchField(got any, want []string) bool {
	got = deref(got)
	if list, ok := got.([]string); ok {
		for _, w := range want {
			if slices.Contains(list, w) {
				return true
			}
		}
		return false
	}
	s := fieldString(got)
	for _, w := range want {
		if _, isBool := got.(bool); isBool {
			w = strings.ToLower(w)
		}
		if s == w {
			return true
		}
	}
	return false
}

// deref follows pointers, so a field held as *int filters by its value; a
// nil pointer is a null field.
func deref(v any) any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil
	}
	return rv.Interface()
}

func fieldString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	default:
		return fmt.Sprint(t)
	}
}

// matchTags applies the tags, tags-any, not-tags and not-tags-any filters
// (comma separated lists, repeatable) the way Neutron and Nova do.
func matchTags(tags []string, q url.Values) bool {
	split := func(key string) []string {
		var out []string
		for _, v := range q[key] {
			for t := range strings.SplitSeq(v, ",") {
				if t != "" {
					out = append(out, t)
				}
			}
		}
		return out
	}
	hasAll := func(want []string) bool {
		for _, t := range want {
			if !slices.Contains(tags, t) {
				return false
			}
		}
		return true
	}
	hasAny := func(want []string) bool {
		return slices.ContainsFunc(want, func(t string) bool { return slices.Contains(tags, t) })
	}
	if all := split("tags"); len(all) > 0 && !hasAll(all) {
		return false
	}
	if anyOf := split("tags-any"); len(anyOf) > 0 && !hasAny(anyOf) {
		return false
	}
	if not := split("not-tags"); len(not) > 0 && hasAll(not) {
		return false
	}
	if notAny := split("not-tags-any"); len(notAny) > 0 && hasAny(notAny) {
		return false
	}
	return true
}

// paginate applies marker and limit (defaultLimit when the query has none; 0
// means unlimited). next is the marker for the following page, "" on the
// last one.
func paginate(views []view, q url.Values, defaultLimit int) (page []view, next string, err error) {
	ids := make([]string, len(views))
	for i, v := range views {
		ids[i] = fmt.Sprint(v["id"])
	}
	start, end, next, err := pageBounds(ids, q, defaultLimit)
	if err != nil {
		return nil, "", err
	}
	return append([]view{}, views[start:end]...), next, nil
}

// pageBounds finds the page of ids that marker and limit select.
func pageBounds(ids []string, q url.Values, defaultLimit int) (start, end int, next string, err error) {
	if m := q.Get("marker"); m != "" {
		i := slices.Index(ids, m)
		if i < 0 {
			return 0, 0, "", badRequest("marker [%s] not found", m)
		}
		start = i + 1
	}
	limit := defaultLimit
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return 0, 0, "", badRequest("limit param must be an integer")
		}
		limit = n
	}
	end = len(ids)
	if limit > 0 && end-start > limit {
		end = start + limit
		next = ids[end-1]
	}
	return start, end, next, nil
}

// nextLinks returns the `*_links` value pointing at the page after marker.
func (c *call) nextLinks(marker string) []map[string]string {
	if marker == "" {
		return []map[string]string{}
	}
	q := c.r.URL.Query()
	q.Set("marker", marker)
	href := c.baseURL() + c.r.URL.Path + "?" + q.Encode()
	return []map[string]string{{"rel": "next", "href": href}}
}

// listReply filters, paginates and writes views as {key: [...], key_links: [...]}.
func (c *call) listReply(key string, views []view, defaultLimit int, skip ...string) error {
	q := c.r.URL.Query()
	views = filterViews(views, q, skip...)
	page, next, err := paginate(views, q, defaultLimit)
	if err != nil {
		return err
	}
	body := map[string]any{key: page}
	switch {
	case next != "":
		body[key+"_links"] = c.nextLinks(next)
	case strings.HasPrefix(c.r.URL.Path, "/load-balancer/"):
		// Octavia always sends the links, empty on the last page; Nova and Neutron do not.
		body[key+"_links"] = []any{}
	}
	return c.reply(200, body)
}
