#pragma once
// The `easel` subcommands (DESIGN §8). Each `add_*` declares its options on the app and returns the
// action to run when that subcommand was chosen.
#include <functional>

#include <CLI/CLI.hpp>

namespace easel::cli {

using Action = std::function<void()>;

void add_edit_command(CLI::App& app, Action& action);
void add_document_commands(CLI::App& app, Action& action);  // render, undo, redo, history
void add_info_commands(CLI::App& app, Action& action);      // ops, plan

}  // namespace easel::cli
