// easel render|undo|redo|history DOC: work with a document's rounds.
#include <iostream>

#include "easel/cli/commands.hpp"
#include "easel/cli/output_options.hpp"
#include "easel/cli/progress.hpp"
#include "easel/core/error.hpp"
#include "easel/run/document.hpp"
#include "easel/run/edit_job.hpp"
#include "easel/settings/environment.hpp"

namespace easel::cli {
namespace fs = std::filesystem;
namespace {

struct DocumentOptions {
  fs::path document;
  OutputOptions output;
};

// Renders the applied rounds from the source and writes them, when an output was asked for.
void render_document(const Document& document, const OutputOptions& output, const models::ModelPaths& model_paths) {
  if (output.output.empty()) return;
  output.encode_options();
  const DecodedImage source = read_image_file(document.source_path(), output.limits());
  ResultCache cache(document.cache_folder());
  ProgressLine progress;
  const EditOutcome outcome =
      run_edit(source.image, document.applied_steps(), cache, settings::cli_run_context("", model_paths),
               [&](std::size_t i, std::size_t n, const std::string& op) { progress.step(i, n, op); });
  EditPlan applied;
  applied.steps = document.applied_steps();
  json report = build_report(source.image, applied, outcome, json::object());
  report["document"] = {{"path", document.folder().string()}, {"rounds", document.applied()}};
  if (!report["verification"]["ok"].get<bool>()) {
    for (const std::string& problem : text_problems(TextVerification{outcome.text, false}))
      std::cerr << "easel: " << problem << "\n";
    refuse_unverified(output, report);
  }
  OutputMetadata metadata;
  metadata.plan_json = report["plan"].dump();
  write_result(output, outcome.render.state.image, metadata, report);
}

void print_history(const Document& document, bool as_json) {
  if (as_json) {
    json rounds = json::array();
    for (std::size_t i = 0; i < document.rounds().size(); ++i) {
      const auto& round = document.rounds()[i];
      rounds.push_back({{"round", i + 1},
                        {"applied", i < document.applied()},
                        {"created", round.created},
                        {"plan", to_json(round.plan)}});
    }
    std::cout
        << json{{"document", document.folder().string()}, {"applied", document.applied()}, {"rounds", rounds}}.dump(2)
        << "\n";
    return;
  }
  std::cout << document.folder().string() << ": " << document.applied() << " of " << document.rounds().size()
            << " rounds applied\n";
  for (std::size_t i = 0; i < document.rounds().size(); ++i) {
    const auto& round = document.rounds()[i];
    std::cout << (i < document.applied() ? "  * " : "    ") << "round " << (i + 1) << " (" << round.created
              << "): " << (round.plan.instruction.empty() ? "(plan file)" : round.plan.instruction) << "\n";
    for (const auto& step : round.plan.steps) std::cout << "        " << step.op << " " << step.params.dump() << "\n";
  }
}

void add_moving_command(CLI::App& app, Action& action, const models::ModelPaths& model_paths, const char* name,
                        const char* description, void (Document::*move)()) {
  auto options = std::make_shared<DocumentOptions>();
  auto* command = app.add_subcommand(name, description);
  command->add_option("document", options->document, "Document folder")->required();
  options->output.declare(*command, false);
  command->callback([&action, &model_paths, options, move] {
    action = [options, move, &model_paths] {
      Document document = Document::open(options->document);
      (document.*move)();
      render_document(document, options->output, model_paths);
      document.save();
      std::cout << document.folder().string() << ": " << document.applied() << " of " << document.rounds().size()
                << " rounds applied\n";
    };
  });
}

}  // namespace

void add_document_commands(CLI::App& app, Action& action, const models::ModelPaths& model_paths) {
  auto render_options = std::make_shared<DocumentOptions>();
  auto* render = app.add_subcommand("render", "Render a document's applied rounds from its source");
  render->add_option("document", render_options->document, "Document folder")->required();
  render_options->output.declare(*render, true);
  render->callback([&action, &model_paths, render_options] {
    action = [render_options, &model_paths] {
      render_document(Document::open(render_options->document), render_options->output, model_paths);
    };
  });

  add_moving_command(app, action, model_paths, "undo", "Undo a document's last applied round (and render, with -o)",
                     &Document::undo);
  add_moving_command(app, action, model_paths, "redo", "Redo the round undone last (and render, with -o)",
                     &Document::redo);

  auto history_document = std::make_shared<fs::path>();
  auto history_json = std::make_shared<bool>(false);
  auto* history = app.add_subcommand("history", "List a document's rounds");
  history->add_option("document", *history_document, "Document folder")->required();
  history->add_flag("--json", *history_json, "Print JSON");
  history->callback([&action, history_document, history_json] {
    action = [history_document, history_json] { print_history(Document::open(*history_document), *history_json); };
  });
}

}  // namespace easel::cli
