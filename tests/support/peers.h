// Everything in tests/support, for end-to-end tests against real peers on 127.0.0.1.
//
//   using namespace portcullis::testsupport;
//   TokenServer tokens;                                   // user tokenuser / tokenpass
//   DockerRegistry registry({.auth = RegistryAuth::Token(tokens)});
//   TempDir dir;
//   BuiltImage image = build_random_image(dir / "layout", {2000, 300000, 1 << 20}, "v1");
//
//   // Push through any host:port (a proxy, say); creds go to that host.
//   const std::string hp = "127.0.0.1:" + std::to_string(proxy_port);
//   RunResult push = skopeo_copy(image.oci_ref(), "docker://" + hp + "/apps/web:v1",
//                                {.dest_creds = "tokenuser:tokenpass"});
//   ASSERT_TRUE(push.ok()) << push.describe();
//
//   // podman through a path-prefix mirror; mirrors get credentials only from auth.json.
//   Podman podman;
//   podman.set_registries_conf(registries_conf_with_mirror(
//       "registry.corp.example", hp + "/registry.corp.example"));
//   podman.set_logins({{hp, "user:pass"}});
//   DigestResult p = podman.pull("registry.corp.example/apps/web:v1");
//   EXPECT_EQ(p.digest, image.manifest_digest);
//
//   // ctr through a hosts.toml mirror (containerd adds ?ns=registry.corp.example).
//   Containerd containerd;
//   write_hosts_toml(dir / "hosts", "registry.corp.example", {{.url = "http://" + hp}});
//   DigestResult c = containerd.pull("registry.corp.example/apps/web:v1",
//                                    {.hosts_dir = dir / "hosts", .user = "user:pass"});
//
//   registry.access_log_requests();  // {method, uri, status, bytes, user_agent}
//   tokens.request_count();          // token fetches, for caching assertions
//
// Set PORTCULLIS_KEEP_TEMP=1 to keep every temp dir (configs, peer logs, client logs).
#pragma once

#include "tests/support/clients.h"
#include "tests/support/fs.h"
#include "tests/support/htpasswd.h"
#include "tests/support/image.h"
#include "tests/support/net.h"
#include "tests/support/process.h"
#include "tests/support/registry.h"
#include "tests/support/token_server.h"
#include "tests/support/token_signer.h"
