#include "signing/oci_model.h"

#include <algorithm>
#include <cctype>

#include "signing/go_json.h"

namespace portcullis::signing::oci {
namespace {

using nlohmann::json;

// Go's decoder treats a JSON null like an absent member.
const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<void> read_string(const json& obj, const char* key, std::string& out) {
  const json* v = member(obj, key);
  if (!v) return {};
  if (!v->is_string()) return fail(std::string("\"") + key + "\" must be a string");
  out = v->get<std::string>();
  return {};
}

Result<void> read_int(const json& obj, const char* key, int64_t& out) {
  const json* v = member(obj, key);
  if (!v) return {};
  if (!v->is_number_integer()) return fail(std::string("\"") + key + "\" must be an integer");
  out = v->get<int64_t>();
  return {};
}

Result<void> read_bool(const json& obj, const char* key, bool& out) {
  const json* v = member(obj, key);
  if (!v) return {};
  if (!v->is_boolean()) return fail(std::string("\"") + key + "\" must be a boolean");
  out = v->get<bool>();
  return {};
}

Result<void> read_list(const json& obj, const char* key, std::vector<std::string>& out) {
  const json* v = member(obj, key);
  if (!v) return {};
  if (!v->is_array()) return fail(std::string("\"") + key + "\" must be an array");
  for (const auto& e : *v) {
    if (!e.is_string()) return fail(std::string("\"") + key + "\" must hold strings");
    out.push_back(e.get<std::string>());
  }
  return {};
}

Result<void> read_map(const json& obj, const char* key, std::map<std::string, std::string>& out) {
  const json* v = member(obj, key);
  if (!v) return {};
  if (!v->is_object()) return fail(std::string("\"") + key + "\" must be an object");
  for (const auto& [k, e] : v->items()) {
    if (!e.is_string()) return fail(std::string("\"") + key + "\" must map to strings");
    out[k] = e.get<std::string>();
  }
  return {};
}

// map[string]struct{}: keep the keys (std::map/json order is bytewise, like Go).
Result<void> read_set(const json& obj, const char* key, std::vector<std::string>& out) {
  const json* v = member(obj, key);
  if (!v) return {};
  if (!v->is_object()) return fail(std::string("\"") + key + "\" must be an object");
  for (const auto& [k, e] : v->items()) {
    if (!e.is_null() && !e.is_object()) {
      return fail(std::string("\"") + key + "\" values must be objects");
    }
    out.push_back(k);
  }
  return {};
}

Result<void> read_time(const json& obj, const char* key, std::optional<std::string>& out) {
  const json* v = member(obj, key);
  if (!v) return {};
  if (!v->is_string()) return fail(std::string("\"") + key + "\" must be a string");
  auto t = go_time_roundtrip(v->get<std::string>());
  if (!t) return t.error();
  out = std::move(*t);
  return {};
}

// Runs each reader in turn, stopping at the first error.
#define PORTCULLIS_TRY(expr)                      \
  do {                                            \
    if (auto r_ = (expr); !r_) return r_.error(); \
  } while (0)

Result<Platform> parse_platform(const json& doc) {
  if (!doc.is_object()) return fail("\"platform\" must be an object");
  Platform p;
  PORTCULLIS_TRY(read_string(doc, "architecture", p.architecture));
  PORTCULLIS_TRY(read_string(doc, "os", p.os));
  PORTCULLIS_TRY(read_string(doc, "os.version", p.os_version));
  PORTCULLIS_TRY(read_list(doc, "os.features", p.os_features));
  PORTCULLIS_TRY(read_string(doc, "variant", p.variant));
  return p;
}

Result<Descriptor> parse_descriptor(const json& doc) {
  if (!doc.is_object()) return fail("descriptor must be an object");
  Descriptor d;
  PORTCULLIS_TRY(read_string(doc, "mediaType", d.media_type));
  PORTCULLIS_TRY(read_string(doc, "digest", d.digest));
  PORTCULLIS_TRY(read_int(doc, "size", d.size));
  PORTCULLIS_TRY(read_list(doc, "urls", d.urls));
  PORTCULLIS_TRY(read_map(doc, "annotations", d.annotations));
  PORTCULLIS_TRY(read_string(doc, "data", d.data));
  if (const json* p = member(doc, "platform")) {
    auto platform = parse_platform(*p);
    if (!platform) return platform.error();
    d.platform = std::move(*platform);
  }
  PORTCULLIS_TRY(read_string(doc, "artifactType", d.artifact_type));
  return d;
}

void write_platform(std::string& out, const Platform& p) {
  gojson::ObjectWriter w(out);
  w.string("architecture", p.architecture);
  w.string("os", p.os);
  w.string_omitempty("os.version", p.os_version);
  w.string_list_omitempty("os.features", p.os_features);
  w.string_omitempty("variant", p.variant);
}

void write_descriptor(std::string& out, const Descriptor& d) {
  gojson::ObjectWriter w(out);
  w.string("mediaType", d.media_type);
  w.string("digest", d.digest);
  w.integer("size", d.size);
  w.string_list_omitempty("urls", d.urls);
  w.string_map_omitempty("annotations", d.annotations);
  w.string_omitempty("data", d.data);
  if (d.platform) {
    w.key("platform");
    write_platform(out, *d.platform);
  }
  w.string_omitempty("artifactType", d.artifact_type);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<Manifest> parse_manifest(const json& doc) {
  if (!doc.is_object()) return fail("manifest must be a JSON object");
  Manifest m;
  m.schema_version = 0;
  PORTCULLIS_TRY(read_int(doc, "schemaVersion", m.schema_version));
  PORTCULLIS_TRY(read_string(doc, "mediaType", m.media_type));
  const json* config = member(doc, "config");
  if (!config) return fail("manifest has no config descriptor");
  auto c = parse_descriptor(*config);
  if (!c) return fail("config: " + c.error().message);
  m.config = std::move(*c);
  if (const json* layers = member(doc, "layers")) {
    if (!layers->is_array()) return fail("\"layers\" must be an array");
    for (const auto& l : *layers) {
      auto d = parse_descriptor(l);
      if (!d) return fail("layer: " + d.error().message);
      m.layers.push_back(std::move(*d));
    }
  }
  if (const json* subject = member(doc, "subject")) {
    auto s = parse_descriptor(*subject);
    if (!s) return fail("subject: " + s.error().message);
    m.subject = std::move(*s);
  }
  PORTCULLIS_TRY(read_map(doc, "annotations", m.annotations));
  return m;
}

std::string serialize(const Manifest& m) {
  std::string out;
  {
    gojson::ObjectWriter w(out);
    w.integer("schemaVersion", m.schema_version);
    w.string_omitempty("mediaType", m.media_type);
    w.key("config");
    write_descriptor(out, m.config);
    w.key("layers");
    out.push_back('[');
    for (size_t i = 0; i < m.layers.size(); ++i) {
      if (i) out.push_back(',');
      write_descriptor(out, m.layers[i]);
    }
    out.push_back(']');
    if (m.subject) {
      w.key("subject");
      write_descriptor(out, *m.subject);
    }
    w.string_map_omitempty("annotations", m.annotations);
  }
  return out;
}

Result<Image> parse_image(const json& doc) {
  if (!doc.is_object()) return fail("image config must be a JSON object");
  Image img;
  PORTCULLIS_TRY(read_time(doc, "created", img.created));
  PORTCULLIS_TRY(read_string(doc, "author", img.author));
  PORTCULLIS_TRY(read_string(doc, "architecture", img.architecture));
  PORTCULLIS_TRY(read_string(doc, "variant", img.variant));
  PORTCULLIS_TRY(read_string(doc, "os", img.os));
  PORTCULLIS_TRY(read_string(doc, "os.version", img.os_version));
  PORTCULLIS_TRY(read_list(doc, "os.features", img.os_features));
  if (const json* c = member(doc, "config")) {
    if (!c->is_object()) return fail("\"config\" must be an object");
    auto& ic = img.config;
    PORTCULLIS_TRY(read_string(*c, "User", ic.user));
    PORTCULLIS_TRY(read_set(*c, "ExposedPorts", ic.exposed_ports));
    PORTCULLIS_TRY(read_list(*c, "Env", ic.env));
    PORTCULLIS_TRY(read_list(*c, "Entrypoint", ic.entrypoint));
    PORTCULLIS_TRY(read_list(*c, "Cmd", ic.cmd));
    PORTCULLIS_TRY(read_set(*c, "Volumes", ic.volumes));
    PORTCULLIS_TRY(read_string(*c, "WorkingDir", ic.working_dir));
    PORTCULLIS_TRY(read_map(*c, "Labels", ic.labels));
    PORTCULLIS_TRY(read_string(*c, "StopSignal", ic.stop_signal));
    PORTCULLIS_TRY(read_bool(*c, "ArgsEscaped", ic.args_escaped));
  }
  if (const json* r = member(doc, "rootfs")) {
    if (!r->is_object()) return fail("\"rootfs\" must be an object");
    PORTCULLIS_TRY(read_string(*r, "type", img.rootfs_type));
    if (member(*r, "diff_ids")) {
      img.diff_ids.emplace();
      PORTCULLIS_TRY(read_list(*r, "diff_ids", *img.diff_ids));
    }
  }
  if (const json* h = member(doc, "history")) {
    if (!h->is_array()) return fail("\"history\" must be an array");
    for (const auto& e : *h) {
      if (!e.is_object()) return fail("history entries must be objects");
      History hist;
      PORTCULLIS_TRY(read_time(e, "created", hist.created));
      PORTCULLIS_TRY(read_string(e, "created_by", hist.created_by));
      PORTCULLIS_TRY(read_string(e, "author", hist.author));
      PORTCULLIS_TRY(read_string(e, "comment", hist.comment));
      PORTCULLIS_TRY(read_bool(e, "empty_layer", hist.empty_layer));
      img.history.push_back(std::move(hist));
    }
  }
  return img;
}

std::string serialize(const Image& img) {
  std::string out;
  {
    gojson::ObjectWriter w(out);
    if (img.created) w.string("created", *img.created);
    w.string_omitempty("author", img.author);
    w.string("architecture", img.architecture);
    w.string_omitempty("variant", img.variant);
    w.string("os", img.os);
    w.string_omitempty("os.version", img.os_version);
    w.string_list_omitempty("os.features", img.os_features);
    w.key("config");
    {
      const auto& c = img.config;
      gojson::ObjectWriter cw(out);
      cw.string_omitempty("User", c.user);
      cw.set_omitempty("ExposedPorts", c.exposed_ports);
      cw.string_list_omitempty("Env", c.env);
      cw.string_list_omitempty("Entrypoint", c.entrypoint);
      cw.string_list_omitempty("Cmd", c.cmd);
      cw.set_omitempty("Volumes", c.volumes);
      cw.string_omitempty("WorkingDir", c.working_dir);
      cw.string_map_omitempty("Labels", c.labels);
      cw.string_omitempty("StopSignal", c.stop_signal);
      cw.boolean_omitempty("ArgsEscaped", c.args_escaped);
    }
    w.key("rootfs");
    {
      gojson::ObjectWriter rw(out);
      rw.string("type", img.rootfs_type);
      rw.key("diff_ids");
      if (img.diff_ids) {
        gojson::append_string_list(out, *img.diff_ids);
      } else {
        out += "null";
      }
    }
    if (!img.history.empty()) {
      w.key("history");
      out.push_back('[');
      for (size_t i = 0; i < img.history.size(); ++i) {
        if (i) out.push_back(',');
        const auto& h = img.history[i];
        gojson::ObjectWriter hw(out);
        if (h.created) hw.string("created", *h.created);
        hw.string_omitempty("created_by", h.created_by);
        hw.string_omitempty("author", h.author);
        hw.string_omitempty("comment", h.comment);
        hw.boolean_omitempty("empty_layer", h.empty_layer);
      }
      out.push_back(']');
    }
  }
  return out;
}

Result<std::string> go_time_roundtrip(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  auto bad = [&] { return fail("\"" + std::string(t) + "\" is not an RFC 3339 timestamp"); };
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') {
    return bad();
  }
  for (size_t i : {0, 5, 8, 11, 14, 17}) {
    if (!all_digits(t.substr(i, i == 0 ? 4 : 2))) return bad();
  }
  std::string out(t.substr(0, 19));
  size_t pos = 19;
  if (t[pos] == '.') {
    size_t end = pos + 1;
    while (end < t.size() && std::isdigit(static_cast<unsigned char>(t[end]))) ++end;
    std::string_view frac = t.substr(pos + 1, end - pos - 1);
    if (frac.empty() || frac.size() > 9) return bad();
    while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
    if (!frac.empty()) out += "." + std::string(frac);
    pos = end;
  }
  std::string_view zone = t.substr(pos);
  if (zone == "Z") {
    out += "Z";
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             all_digits(zone.substr(1, 2)) && all_digits(zone.substr(4, 2))) {
    out += zone.substr(1) == "00:00" ? std::string("Z") : std::string(zone);
  } else {
    return bad();
  }
  return out;
}

}  // namespace portcullis::signing::oci
