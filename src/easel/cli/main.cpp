// The `easel` command: parses the command line, runs the chosen subcommand, and turns failures into a
// one-line message on stderr and an exit status by error class (see docs/cli.md).
#include <iostream>

#include "easel/cli/commands.hpp"
#include "easel/cli/output_options.hpp"
#include "easel/core/error.hpp"
#include "easel/settings/environment.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Easel: self-hosted image editing and generation"};
  app.set_version_flag("--version", "easel 0.1.0");
  app.require_subcommand(1);
  easel::cli::Action action;
  // Where models are, read once for every command (docs/models.md).
  const easel::models::ModelPaths model_paths = easel::settings::model_paths_from_environment();
  easel::cli::add_edit_command(app, action, model_paths);
  easel::cli::add_document_commands(app, action, model_paths);
  easel::cli::add_info_commands(app, action);
  easel::cli::add_prompt_command(app, action);
  easel::cli::add_serve_command(app, action, model_paths);
  easel::cli::add_generate_command(app, action, model_paths);
  easel::cli::add_models_command(app, action, model_paths);
  easel::cli::install_generation(model_paths);
  try {
    app.parse(argc, argv);
    if (action) action();
    return 0;
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    std::cerr << "easel: " << error.what() << " (see easel --help)\n";
    return static_cast<int>(easel::ErrorKind::usage);
  } catch (const easel::cli::VerificationFailed& failure) {
    std::cerr << "easel: " << failure.what() << "\n";
    return easel::cli::kVerificationFailedStatus;
  } catch (const easel::Error& error) {
    std::cerr << "easel: " << error.what() << "\n";
    return error.exit_code();
  } catch (const std::exception& error) {
    std::cerr << "easel: internal error: " << error.what() << "\n";
    return static_cast<int>(easel::ErrorKind::internal);
  }
}
