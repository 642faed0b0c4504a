// easel edit INPUT (-p INSTRUCTION | --plan-file PLAN.json) -o OUTPUT [--mask MASK] [--ref REF ...] [--save DOC.easel]
#include <chrono>
#include <iostream>
#include <map>

#include "easel/cli/commands.hpp"
#include "easel/cli/output_options.hpp"
#include "easel/cli/progress.hpp"
#include "easel/core/error.hpp"
#include "easel/ops/generation_engine.hpp"
#include "easel/plan/plan_explainer.hpp"
#include "easel/run/document.hpp"
#include "easel/run/edit_flow.hpp"
#include "easel/run/segmentation_report.hpp"
#include "easel/settings/environment.hpp"

namespace easel::cli {
namespace fs = std::filesystem;
namespace {

struct EditOptions {
  fs::path input;
  std::string instruction;
  fs::path plan_file;
  fs::path mask;
  std::vector<std::string> references;
  fs::path save;
  bool explain = false;
  std::string model;
  std::optional<std::uint64_t> seed;
  OutputOptions output;
};

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

EditPlan read_plan_file(const fs::path& file) {
  const auto bytes = read_file_bytes(file);
  try {
    return parse_edit_plan(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } catch (const Error& error) {
    throw Error(error.kind(), file.string() + ": " + error.what());
  }
}

EditOrder order_from(const EditOptions& options) {
  EditOrder order;
  order.instruction = options.instruction;
  if (!options.plan_file.empty()) order.plan = read_plan_file(options.plan_file);
  order.inputs.references = options.references;
  if (!options.mask.empty()) {
    if (!fs::is_regular_file(options.mask))
      throw Error(ErrorKind::input, "mask file " + options.mask.string() + " does not exist");
    order.inputs.mask = options.mask.string();
  }
  order.model = options.model.empty() ? settings::default_model_from_environment() : options.model;
  order.seed = options.seed;
  return order;
}

// The flow names the order's fields; the command line says them as its options.
Error in_command_line_words(const Error& error, const EditOptions& options) {
  const std::map<std::string, std::string> options_by_field = {
      {"plan", options.plan_file.string()}, {"model", "--model"}, {"seed", "--seed"}};
  const auto option = options_by_field.find(error.field());
  if (option == options_by_field.end()) return error;
  return Error(error.kind(), option->second + ": " + error.what(), error.field());
}

void report_unsupported(const EditPlan& plan) {
  for (const auto& item : plan.unsupported) {
    std::cerr << "easel: not done: \"" << item.clause << "\": " << item.reason << "\n";
  }
}

// A typeset string that OCR did not read back, or could not check, is never passed over in silence;
// nor is a step that had to give way to what the plan preserves.
void report_checks(const EditRender& render) {
  for (const std::string& problem : text_problems(TextVerification{render.outcome.text, render.verified}))
    std::cerr << "easel: " << problem << "\n";
  for (const auto& check : render.outcome.text) {
    if (check.status == TextStatus::accepted || check.status == TextStatus::superseded) {
      std::cerr << "easel: text \"" << check.expected << "\" " << status_name(check.status) << ": " << check.note
                << "\n";
    }
    if (check.layer && !check.layer->missing.empty()) {
      std::cerr << "easel: missing glyphs in \"" << check.expected << "\": no installed font has "
                << check.layer->missing << "\n";
    }
  }
  for (const auto& step : render.outcome.render.steps) {
    if (!step.keep.empty())
      std::cerr << "easel: " << step.op << " (\"" << step.clause << "\"): " << step.keep_note << "\n";
  }
  if (const auto warning = segmentation_warning(render.outcome.render.steps))
    std::cerr << "easel: " << *warning << "\n";
}

void check_save_target(const EditOptions& options, bool editing_document) {
  if (editing_document && !options.save.empty()) {
    throw Error(ErrorKind::usage, "--save creates a new document; " + options.input.string() +
                                      " already is one (its new round is saved in it)");
  }
  if (!options.save.empty() && fs::exists(options.save) &&
      !(fs::is_directory(options.save) && fs::is_empty(options.save))) {
    throw Error(ErrorKind::usage, "--save " + options.save.string() +
                                      " already exists (edit it directly to add a round, or choose another name)");
  }
}

void run_edit_command(const EditOptions& options, const models::ModelPaths& model_paths) {
  options.output.encode_options();  // refuses a bad output name or format before any work
  const bool editing_document = Document::is_document(options.input);
  check_save_target(options, editing_document);
  const RunContext context = settings::cli_run_context(options.model, model_paths);
  auto started = std::chrono::steady_clock::now();
  EditPlan plan;
  try {
    plan = plan_edit(order_from(options));
  } catch (const Error& error) {
    throw in_command_line_words(error, options);
  }
  if (options.explain) (options.output.json ? std::cerr : std::cout) << explain_plan(plan) << std::flush;
  const double plan_ms = milliseconds_since(started);

  std::optional<Document> document;
  fs::path source_path = options.input;
  if (editing_document) {
    document = Document::open(options.input);
    source_path = document->source_path();
  }
  started = std::chrono::steady_clock::now();
  const DecodedImage source = read_image_file(source_path, options.output.limits());
  const double decode_ms = milliseconds_since(started);
  std::vector<PlanStep> earlier;
  EditPlan round = plan;
  if (document) {
    // The document holds copies of the files the round reads: render from those.
    document->append(plan);
    std::vector<PlanStep> applied = document->applied_steps();
    earlier.assign(applied.begin(), applied.end() - static_cast<std::ptrdiff_t>(plan.steps.size()));
    round.steps.assign(applied.end() - static_cast<std::ptrdiff_t>(plan.steps.size()), applied.end());
  }

  ResultCache cache(document ? document->cache_folder() : fs::path());
  ProgressLine progress;
  EditControl control;
  control.on_progress = [&](const EditProgress& at) {
    const std::string denoising =
        at.denoise_total > 0 ? ", denoising " + std::to_string(at.denoised) + "/" + std::to_string(at.denoise_total)
                             : "";
    progress.step(at.step, at.steps, at.op + denoising);
  };
  const EditRender render =
      render_edit(source.image, earlier, round, 1, cache, context, control, {{"plan", plan_ms}, {"decode", decode_ms}});
  json report = render.report;
  report["plan"] = to_json(plan);
  report["input"] = {{"path", options.input.string()},
                     {"width", source.info.width},
                     {"height", source.info.height},
                     {"format", format_name(source.info.format)}};
  if (document || !options.save.empty())
    report["document"] = {{"path", document ? document->folder().string() : options.save.string()},
                          {"rounds", document ? document->applied() : 1}};

  if (!render.verified) {
    report_unsupported(plan);
    report_checks(render);
    refuse_unverified(options.output, report);
  }
  OutputMetadata metadata;
  metadata.plan_json = report["plan"].dump();
  write_result(options.output, render.images.front(), metadata, report);
  if (!document && !options.save.empty()) {
    document = Document::create(options.save, options.input);
    document->append(plan);
  }
  if (document) {
    document->save();
    if (!options.output.json)
      std::cout << "document " << document->folder().string() << " (round " << document->applied() << ")\n";
  }
  report_unsupported(plan);
  report_checks(render);
}

}  // namespace

void add_edit_command(CLI::App& app, Action& action, const models::ModelPaths& model_paths) {
  auto options = std::make_shared<EditOptions>();
  auto* command =
      app.add_subcommand("edit", "Edit an image (or add a round to a document) from an instruction or a plan");
  command->add_option("input", options->input, "Input image (.png, .jpg, .webp) or document folder (.easel)")
      ->required();
  auto* prompt = command->add_option("-p,--prompt", options->instruction, "The edit, in plain English");
  auto* plan_file =
      command->add_option("--plan-file", options->plan_file, "Run this EditPlan JSON instead of an instruction");
  prompt->excludes(plan_file);
  command->add_option("--mask", options->mask,
                      "Limit whole-image steps to this mask (white = edit; or alpha 0 = edit)");
  command
      ->add_option("--ref", options->references,
                   "Reference image(s) the instruction may use (e.g. \"match the colours of the reference\")")
      ->check(CLI::ExistingFile);
  command->add_flag("--explain", options->explain, "Print the plan in words before running it");
  command->add_option("--save", options->save,
                      "Save the edit as a new document folder (source + rounds) for later rounds and undo");
  command->add_option("--model", options->model,
                      "Diffusion model for generative steps: a name, a .safetensors file or a diffusers folder "
                      "(default: EASEL_MODEL)");
  command
      ->add_option("--seed", options->seed,
                   "Seed of generative steps (0 to 2^53-1; default: random, recorded in the plan)")
      ->check(CLI::Range(std::uint64_t{0}, kLargestSeed));
  options->output.declare(*command, true);
  command->callback([&action, &model_paths, options, prompt, plan_file] {
    if (prompt->count() == 0 && plan_file->count() == 0) {
      throw Error(ErrorKind::usage, "edit: give the edit with -p \"INSTRUCTION\" or --plan-file PLAN.json");
    }
    action = [options, &model_paths] { run_edit_command(*options, model_paths); };
  });
}

}  // namespace easel::cli
