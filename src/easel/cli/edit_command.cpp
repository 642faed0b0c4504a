// easel edit INPUT (-p INSTRUCTION | --plan-file PLAN.json) -o OUTPUT [--mask MASK] [--ref REF ...] [--save DOC.easel]
#include <chrono>
#include <iostream>

#include "easel/cli/commands.hpp"
#include "easel/cli/generation_settings.hpp"
#include "easel/cli/output_options.hpp"
#include "easel/cli/progress.hpp"
#include "easel/core/error.hpp"
#include "easel/ops/region.hpp"
#include "easel/ops/seam.hpp"
#include "easel/plan/plan_explainer.hpp"
#include "easel/plan/planner.hpp"
#include "easel/run/document.hpp"
#include "easel/run/edit_job.hpp"

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
  GenerationSettings generation;
  OutputOptions output;
};

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

EditPlan plan_from(const EditOptions& options) {
  if (options.plan_file.empty()) return plan_instruction(options.instruction, PlanInputs{options.references, options.mask.empty() ? "" : options.mask.string()});
  const auto bytes = read_file_bytes(options.plan_file);
  EditPlan plan;
  try {
    plan = parse_edit_plan(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    validate_plan(plan);
  } catch (const Error& error) {
    throw Error(error.kind(), options.plan_file.string() + ": " + error.what());
  }
  return plan;
}

// A --mask applies to every step that would otherwise touch the whole image and can take a mask.
void apply_mask(EditPlan& plan, const fs::path& mask) {
  if (!fs::is_regular_file(mask)) throw Error(ErrorKind::input, "mask file " + mask.string() + " does not exist");
  for (auto& step : plan.steps) {
    const auto& regions = registry().get(step.op).regions;
    if (targets_whole_image(step.target) && std::find(regions.begin(), regions.end(), RegionKind::mask) != regions.end()) {
      step.target = json{{"mask", mask.string()}};
    }
  }
  validate_plan(plan);
}

void report_unsupported(const EditPlan& plan) {
  for (const auto& item : plan.unsupported) {
    std::cerr << "easel: not done: \"" << item.clause << "\": " << item.reason << "\n";
  }
}

// A typeset string that OCR did not read back, or could not check, is never passed over in silence.
void report_text_checks(const std::vector<TextCheck>& checks) {
  for (const auto& check : checks) {
    if (check.match == false) {
      std::cerr << "easel: text check failed: expected \"" << check.expected << "\", OCR read \"" << check.read.value_or("") << "\"\n";
    } else if (!check.match) {
      std::cerr << "easel: text not verified: \"" << check.expected << "\": " << check.note << "\n";
    }
    if (check.layer && !check.layer->missing.empty()) {
      std::cerr << "easel: missing glyphs in \"" << check.expected << "\": no installed font has " << check.layer->missing << "\n";
    }
  }
}

void run_edit_command(const EditOptions& options) {
  options.output.encode_options();  // refuses a bad output name or format before any work
  const bool editing_document = Document::is_document(options.input);
  if (editing_document && !options.save.empty()) {
    throw Error(ErrorKind::usage, "--save creates a new document; " + options.input.string() + " already is one (its new round is saved in it)");
  }
  if (!options.save.empty() && fs::exists(options.save) && !(fs::is_directory(options.save) && fs::is_empty(options.save))) {
    throw Error(ErrorKind::usage, "--save " + options.save.string() + " already exists (edit it directly to add a round, or choose another name)");
  }
  auto started = std::chrono::steady_clock::now();
  EditPlan plan = plan_from(options);
  if (!options.mask.empty()) apply_mask(plan, options.mask);
  apply_generation_settings(plan, options.generation);
  if (options.explain) (options.output.json ? std::cerr : std::cout) << explain_plan(plan) << std::flush;
  if (plan.steps.empty()) {
    report_unsupported(plan);
    throw Error(ErrorKind::plan, "nothing in the instruction maps to an operation this version of Easel has (see `easel ops`)");
  }
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
  if (document) document->append(plan);
  const std::vector<PlanStep> steps = document ? document->applied_steps() : plan.steps;

  ResultCache cache(document ? document->cache_folder() : fs::path());
  ProgressLine progress;
  const EditOutcome outcome = run_edit(source.image, steps, cache, [&](std::size_t i, std::size_t n, const std::string& op) { progress.step(i, n, op); });
  json report = build_report(plan, outcome, {{"plan", plan_ms}, {"decode", decode_ms}});
  report["verification"]["seam"] = seam_to_json(measure_seam(source.image, outcome.render.state.image, outcome.render.state.edited));
  report["input"] = {{"path", options.input.string()}, {"width", source.info.width}, {"height", source.info.height},
                     {"format", format_name(source.info.format)}};
  if (document || !options.save.empty()) report["document"] = {{"path", document ? document->folder().string() : options.save.string()},
                                                                {"rounds", document ? document->applied() : 1}};

  OutputMetadata metadata;
  metadata.plan_json = report["plan"].dump();
  write_result(options.output, outcome.render.state.image, metadata, report);
  if (!document && !options.save.empty()) {
    document = Document::create(options.save, options.input);
    document->append(plan);
  }
  if (document) {
    document->save();
    if (!options.output.json) std::cout << "document " << document->folder().string() << " (round " << document->applied() << ")\n";
  }
  report_unsupported(plan);
  report_text_checks(outcome.text);
}

}  // namespace

void add_edit_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<EditOptions>();
  auto* command = app.add_subcommand("edit", "Edit an image (or add a round to a document) from an instruction or a plan");
  command->add_option("input", options->input, "Input image (.png, .jpg, .webp) or document folder (.easel)")->required();
  auto* prompt = command->add_option("-p,--prompt", options->instruction, "The edit, in plain English");
  auto* plan_file = command->add_option("--plan-file", options->plan_file, "Run this EditPlan JSON instead of an instruction");
  prompt->excludes(plan_file);
  command->add_option("--mask", options->mask, "Limit whole-image steps to this mask (white = edit; or alpha 0 = edit)");
  command->add_option("--ref", options->references, "Reference image(s) the instruction may use (e.g. \"match the colours of the reference\")")
      ->check(CLI::ExistingFile);
  command->add_flag("--explain", options->explain, "Print the plan in words before running it");
  command->add_option("--save", options->save, "Save the edit as a new document folder (source + rounds) for later rounds and undo");
  options->generation.declare(*command);
  options->output.declare(*command, true);
  command->callback([&action, options, prompt, plan_file] {
    if (prompt->count() == 0 && plan_file->count() == 0) {
      throw Error(ErrorKind::usage, "edit: give the edit with -p \"INSTRUCTION\" or --plan-file PLAN.json");
    }
    action = [options] { run_edit_command(*options); };
  });
}

}  // namespace easel::cli
