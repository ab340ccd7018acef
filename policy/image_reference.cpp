#include "policy/image_reference.h"

#include <algorithm>
#include <cctype>

namespace portcullis::policy {
namespace {

// distribution/reference limits.
constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;
constexpr size_t kMaxReferenceLength = 4096;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_hex_lower(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

std::string dq(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// domain-component := [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(std::string_view c) {
  if (c.empty() || !is_alnum(c.front()) || !is_alnum(c.back())) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) { return is_alnum(ch) || ch == '-'; });
}

std::string registry_error(std::string_view host) {
  if (host.empty()) return "registry host is empty";
  std::string_view name = host;
  std::string_view port;
  if (name.front() == '[') {  // [IPv6]
    size_t close = name.find(']');
    if (close == std::string_view::npos) return "registry " + dq(host) + " has an unclosed '['";
    std::string_view addr = name.substr(1, close - 1);
    if (addr.empty() || !std::all_of(addr.begin(), addr.end(), [](char ch) {
          return std::isxdigit(static_cast<unsigned char>(ch)) || ch == ':' || ch == '.';
        }))
      return "registry " + dq(host) + " is not a valid IPv6 address";
    std::string_view rest = name.substr(close + 1);
    if (!rest.empty() && rest.front() != ':')
      return "registry " + dq(host) + " has junk after the IPv6 address";
    if (!rest.empty()) port = rest.substr(1);
    if (!rest.empty() && port.empty()) return "registry " + dq(host) + " has an empty port";
  } else {
    size_t colon = name.find(':');
    if (colon != std::string_view::npos) {
      port = name.substr(colon + 1);
      name = name.substr(0, colon);
      if (port.empty()) return "registry " + dq(host) + " has an empty port";
    }
    size_t start = 0;
    while (true) {
      size_t dot = name.find('.', start);
      std::string_view comp = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
      if (!valid_domain_component(comp))
        return "registry " + dq(host) + " is not a valid host name";
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) ||
        std::stoi(std::string(port)) > 65535)
      return "registry " + dq(host) + " has an invalid port";
  }
  return {};
}

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | [-]*
std::string component_error(std::string_view comp) {
  if (comp.empty()) return "repository has an empty path component";
  for (char c : comp) {
    if (c >= 'A' && c <= 'Z')
      return "repository path component " + dq(comp) + " must be lower case";
    if (!is_lower_alnum(c) && c != '.' && c != '_' && c != '-')
      return "repository path component " + dq(comp) + " contains an invalid character '" +
             std::string(1, c) + "'";
  }
  if (!is_lower_alnum(comp.front()) || !is_lower_alnum(comp.back()))
    return "repository path component " + dq(comp) + " must start and end with a letter or digit";
  for (size_t i = 0; i < comp.size();) {
    if (is_lower_alnum(comp[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < comp.size() && !is_lower_alnum(comp[j])) ++j;
    std::string_view sep = comp.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              std::all_of(sep.begin(), sep.end(), [](char c) { return c == '-'; });
    if (!ok)
      return "repository path component " + dq(comp) + " has an invalid separator " + dq(sep);
    i = j;
  }
  return {};
}

std::string repository_error(std::string_view path) {
  if (path.empty()) return "repository is empty";
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string err = component_error(
        path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (!err.empty()) return err;
    if (slash == std::string_view::npos) return {};
    start = slash + 1;
  }
}

std::string tag_error(std::string_view tag) {
  if (tag.empty()) return "tag is empty";
  if (tag.size() > kMaxTagLength) return "tag is longer than 128 characters";
  auto word = [](char c) { return is_alnum(c) || c == '_'; };
  if (!word(tag.front())) return "tag " + dq(tag) + " must start with a letter, digit or '_'";
  for (char c : tag)
    if (!word(c) && c != '.' && c != '-')
      return "tag " + dq(tag) + " contains an invalid character '" + std::string(1, c) + "'";
  return {};
}

std::string digest_error(std::string_view digest) {
  size_t colon = digest.find(':');
  if (colon == std::string_view::npos)
    return "digest " + dq(digest) + " must have the form algorithm:hex";
  std::string_view alg = digest.substr(0, colon);
  std::string_view hex = digest.substr(colon + 1);
  size_t want = 0;
  if (alg == "sha256" || alg == "blake3") {
    want = 64;
  } else if (alg == "sha512") {
    want = 128;
  } else {
    return "digest algorithm " + dq(alg) + " is not supported (use sha256 or sha512)";
  }
  if (hex.size() != want || !std::all_of(hex.begin(), hex.end(), is_hex_lower))
    return "digest " + dq(digest) + " must have " + std::to_string(want) +
           " lower-case hex digits after " + std::string(alg) + ":";
  return {};
}

bool is_docker_hub(std::string_view host) {
  return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io";
}

Result<ImageReference> assemble(std::string_view original, std::string_view registry,
                                std::string_view repository, std::string_view tag,
                                std::string_view digest) {
  auto fail = [&](const std::string& why) {
    return Result<ImageReference>::failure("invalid image reference " + dq(original) + ": " + why);
  };
  if (std::string err = registry_error(registry); !err.empty()) return fail(err);
  ImageReference ref;
  ref.registry = canonical_registry(registry);
  ref.repository = std::string(repository);
  if (ref.registry == "docker.io" && ref.repository.find('/') == std::string::npos)
    ref.repository = "library/" + ref.repository;
  if (std::string err = repository_error(ref.repository); !err.empty()) return fail(err);
  if (ref.registry.size() + 1 + ref.repository.size() > kMaxNameLength)
    return fail("name is longer than 255 characters");
  if (!tag.empty()) {
    if (std::string err = tag_error(tag); !err.empty()) return fail(err);
  }
  if (!digest.empty()) {
    if (std::string err = digest_error(digest); !err.empty()) return fail(err);
  }
  ref.tag = std::string(tag);
  ref.digest = std::string(digest);
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace

std::string ImageReference::name() const { return registry + "/" + repository; }

std::string ImageReference::to_string() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string canonical_registry(std::string_view host) {
  std::string h = lower(host);
  if (is_docker_hub(h)) return "docker.io";
  return h;
}

Result<ImageReference> parse_image_reference(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return Result<ImageReference>::failure("invalid image reference " + dq(text) + ": " + why);
  };
  if (text.empty()) return Result<ImageReference>::failure("invalid image reference: it is empty");
  if (text.size() > kMaxReferenceLength) return fail("it is longer than 4096 characters");
  for (char c : text)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
      return fail("it contains whitespace or control characters");

  std::string_view rest = text;
  std::string_view digest;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    if (digest.empty()) return fail("the digest after '@' is empty");
  }
  std::string_view tag;
  size_t last_slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (tag.empty()) return fail("the tag after ':' is empty");
  }
  if (rest.empty()) return fail("the repository name is empty");

  // Docker's rule: the first component is a registry only if it looks like a
  // host (has '.' or ':', is "localhost", or has upper case letters).
  std::string_view registry = "docker.io";
  std::string_view repository = rest;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, slash);
    bool host_like = first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
                     lower(first) != first;
    if (host_like) {
      registry = first;
      repository = rest.substr(slash + 1);
    }
  }
  return assemble(text, registry, repository, tag, digest);
}

Result<ImageReference> make_image_reference(std::string_view registry, std::string_view repository,
                                            std::string_view tag_or_digest) {
  std::string original = std::string(registry) + "/" + std::string(repository);
  if (tag_or_digest.find(':') != std::string_view::npos) {
    original += "@" + std::string(tag_or_digest);
    return assemble(original, registry, repository, "", tag_or_digest);
  }
  if (!tag_or_digest.empty()) original += ":" + std::string(tag_or_digest);
  return assemble(original, registry, repository, tag_or_digest, "");
}

bool is_valid_registry(std::string_view host) { return registry_error(host).empty(); }
bool is_valid_repository(std::string_view repository) {
  return repository.size() <= kMaxNameLength && repository_error(repository).empty();
}
bool is_valid_tag(std::string_view tag) { return tag_error(tag).empty(); }
bool is_valid_digest(std::string_view digest) { return digest_error(digest).empty(); }

}  // namespace portcullis::policy
