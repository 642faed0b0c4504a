#pragma once
// The `easel` subcommands (DESIGN §8). Each `add_*` declares its options on the app and returns the
// action to run when that subcommand was chosen. `model_paths` (where models are, read from the environment once
// by main) outlives the action.
#include <functional>

#include <CLI/CLI.hpp>

#include "easel/models/model_paths.hpp"

namespace easel::cli {

using Action = std::function<void()>;

void add_edit_command(CLI::App& app, Action& action, const models::ModelPaths& model_paths);
void add_document_commands(CLI::App& app, Action& action,
                           const models::ModelPaths& model_paths);  // render, undo, redo, history
void add_info_commands(CLI::App& app, Action& action);              // ops, plan
void add_prompt_command(CLI::App& app, Action& action);             // prompt
void add_serve_command(CLI::App& app, Action& action, const models::ModelPaths& model_paths);  // serve (docs/server.md)
void add_generate_command(CLI::App& app, Action& action, const models::ModelPaths& model_paths);
void add_models_command(CLI::App& app, Action& action,
                        const models::ModelPaths& model_paths);  // models list, show, pull
// Installs the diffusion engine when this build has it (generative ops fail with a capability error otherwise).
void install_generation(const models::ModelPaths& model_paths);

}  // namespace easel::cli
