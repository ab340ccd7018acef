// The `portcullis` command line: one function per subcommand, each returning
// the process exit code.
#pragma once

#include <string>
#include <vector>

namespace portcullis::cli {

using Args = std::vector<std::string>;

int serve(const Args& args);
int version(const Args& args);
int validate(const Args& args);
int check(const Args& args);
int keygen(const Args& args);  // signing_commands.cpp
int sign(const Args& args);
int verify(const Args& args);

// Small helpers shared by subcommands.
bool wants_help(const Args& args);
// Value of "--name VALUE" or "--name=VALUE"; empty when absent.
std::string option(const Args& args, const std::string& name);

}  // namespace portcullis::cli
