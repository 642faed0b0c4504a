#include "easel/run/edit_flow.hpp"

#include <algorithm>
#include <exception>

#include "easel/core/error.hpp"
#include "easel/ops/generation_engine.hpp"
#include "easel/ops/registry.hpp"
#include "easel/run/edit_job.hpp"

namespace easel {
namespace {

bool declares(const OperationSpec& spec, const char* param) {
  return std::any_of(spec.params.begin(), spec.params.end(), [&](const ParamSpec& p) { return p.name == param; });
}

bool unset(const json& params, const char* name) { return params.value(name, json()).is_null(); }

// A step generates when its op needs the diffusion engine, or when it names a model (which turns an
// `auto` fill generative).
bool generates(const PlanStep& step) {
  return registry().get(step.op).model.rfind("diffusion", 0) == 0 || !unset(step.params, "model");
}

std::string unsupported_summary(const EditPlan& plan) {
  std::string text;
  for (const auto& item : plan.unsupported)
    text += (text.empty() ? "not done: " : "; not done: ") + ("\"" + item.clause + "\": " + item.reason);
  return text.empty() ? "it names no edit" : text;
}

// The order's model on every step that takes one and names none; its seed (or, for a step that
// generates, a random one) on every step that takes one and has none.
void apply_model_and_seeds(EditPlan& plan, const EditOrder& order) {
  for (auto& step : plan.steps) {
    const OperationSpec& spec = registry().get(step.op);
    if (declares(spec, "model") && !order.model.empty() && unset(step.params, "model"))
      step.params["model"] = order.model;
    if (!declares(spec, "seed") || !unset(step.params, "seed")) continue;
    if (order.seed) {
      step.params["seed"] = *order.seed;
    } else if (generates(step)) {
      step.params["seed"] = random_seed();
    }
  }
}

void check_variants(const EditPlan& plan, int variants) {
  if (variants <= 1) return;
  bool any = false;
  for (const auto& step : plan.steps) {
    if (!generates(step)) continue;
    any = true;
    const auto seed = step.params["seed"].get<std::uint64_t>();
    if (seed > kLargestSeed - static_cast<std::uint64_t>(variants - 1)) {
      throw Error(ErrorKind::usage,
                  "the seed plus the number of images would pass the largest seed, 2^53 - 1; give a smaller seed or "
                  "ask for fewer images",
                  "seed");
    }
  }
  if (!any) {
    throw Error(
        ErrorKind::usage,
        "this edit has no generative step, so it is deterministic and every image would be the same; ask for one image",
        "variants");
  }
}

// The requested output size as steps: a centred crop to its aspect ratio, then a resize to it.
void append_size_steps(EditPlan& plan, const cv::Size& size) {
  const std::string aspect = std::to_string(size.width) + ":" + std::to_string(size.height);
  plan.steps.push_back({"image.crop",
                        {{"region", "all"}},
                        {{"aspect", aspect}},
                        "size " + std::to_string(size.width) + "x" + std::to_string(size.height)});
  plan.steps.push_back({"image.resize",
                        {{"region", "all"}},
                        {{"width", size.width}, {"height", size.height}},
                        "size " + std::to_string(size.width) + "x" + std::to_string(size.height)});
}

// Bridges a `check` that throws to the engine's `cancelled` poll, which must return true instead (the
// engine then unwinds with GenerationCancelled): it keeps what `check` threw, to rethrow it.
class CheckBridge {
 public:
  explicit CheckBridge(std::function<void()> check) : check_(std::move(check)) {}
  std::function<bool()> poll() {
    if (!check_) return {};
    return [this] {
      try {
        check_();
        return false;
      } catch (...) {
        stopped_ = std::current_exception();
        return true;
      }
    };
  }
  void check() const {
    if (check_) check_();
  }
  [[noreturn]] void rethrow() const {
    if (stopped_) std::rethrow_exception(stopped_);
    throw Error(ErrorKind::internal, "the generation stopped without a reason");
  }

 private:
  std::function<void()> check_;
  std::exception_ptr stopped_;
};

}  // namespace

EditPlan draft_edit(const EditOrder& order) {
  const char* source_field = order.plan ? "plan" : "instruction";
  try {
    EditPlan plan;
    if (order.plan) {
      plan = *order.plan;
      validate_plan(plan);
      bind_mask(plan, order.inputs.mask);
    } else {
      plan = plan_instruction(order.instruction, order.inputs);
    }
    if (plan.steps.empty()) return plan;
    if (order.size) append_size_steps(plan, *order.size);
    bind_preserve_to_steps(plan);
    validate_plan(plan);
    return plan;
  } catch (const Error& error) {
    throw Error(error.kind(), error.what(), error.field().empty() ? source_field : error.field());
  }
}

EditPlan plan_edit(const EditOrder& order) {
  EditPlan plan = draft_edit(order);
  if (plan.steps.empty()) {
    throw NothingToDo(ErrorKind::plan,
                      "nothing in the " + std::string(order.plan ? "plan" : "instruction") +
                          " maps to an operation Easel has; " + unsupported_summary(plan),
                      order.plan ? "plan" : "instruction");
  }
  apply_model_and_seeds(plan, order);
  check_variants(plan, order.variants);
  return plan;
}

double EditProgress::fraction() const {
  const double within_step = denoise_total > 0 ? static_cast<double>(denoised) / denoise_total : 0.0;
  const double in_variant =
      (static_cast<double>(step) + within_step) / static_cast<double>(std::max<std::size_t>(steps, 1));
  return (variant + in_variant) / std::max(variants, 1);
}

EditRender render_edit(const Image& source, const std::vector<PlanStep>& earlier, const EditPlan& plan, int variants,
                       ResultCache& cache, const RunContext& context, const EditControl& control, json timings_ms) {
  EditRender result;
  CheckBridge bridge(control.check);
  EditProgress progress;
  progress.variants = std::max(1, variants);
  progress.steps = earlier.size() + plan.steps.size();
  const auto report_progress = [&] {
    if (control.on_progress) control.on_progress(progress);
  };
  int partials_sent = 0;
  const auto send_partial = [&](const Image& image) {
    if (!control.on_partial || partials_sent >= control.partial_images) return;
    ++partials_sent;
    control.on_partial(image);
  };
  RunContext run_context = context;
  run_context.generation.on_step = [&](int done, int total) {
    progress.denoised = done;
    progress.denoise_total = total;
    report_progress();
  };
  run_context.generation.cancelled = bridge.poll();
  if (control.on_partial && control.partial_images > 0) {
    run_context.generation.previews = control.partial_images;
    run_context.generation.on_preview = [&](const Image& preview, int) { send_partial(preview); };
  }
  const StepProgress step_progress = [&](std::size_t index, std::size_t, const std::string& op) {
    bridge.check();
    progress.step = index;
    progress.op = op;
    progress.denoised = progress.denoise_total = 0;
    report_progress();
  };

  try {
    for (int variant = 0; variant < progress.variants; ++variant) {
      progress.variant = variant;
      EditPlan rendered = plan;
      for (auto& step : rendered.steps) {
        if (generates(step) && !unset(step.params, "seed")) {
          step.params["seed"] = step.params["seed"].get<std::uint64_t>() + static_cast<std::uint64_t>(variant);
          if (result.seeds.size() == static_cast<std::size_t>(variant))
            result.seeds.push_back(step.params["seed"].get<std::uint64_t>());
        }
      }
      std::vector<PlanStep> steps = earlier;
      steps.insert(steps.end(), rendered.steps.begin(), rendered.steps.end());
      // Renders of the plan's first steps share the cache with the final one, which recomputes nothing.
      for (std::size_t done = earlier.size() + 1;
           done < steps.size() && partials_sent < control.partial_images && control.on_partial; ++done) {
        bridge.check();
        const std::vector<PlanStep> prefix(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(done));
        send_partial(Executor(cache, run_context).render(source, prefix).state.image);
      }
      EditOutcome outcome = run_edit(source, steps, cache, run_context, step_progress);
      bridge.check();
      result.images.push_back(outcome.render.state.image);
      if (variant == 0) {
        const RenderState before_round = earlier.empty() || plan.preserve.empty()
                                             ? initial_state(source)
                                             : Executor(cache, run_context).render(source, earlier).state;
        result.report = build_report(source, rendered, outcome, timings_ms, &before_round);
        result.verified = result.report["verification"]["ok"].get<bool>();
        result.outcome = std::move(outcome);
      }
      result.plans.push_back(std::move(rendered));
    }
  } catch (const GenerationCancelled&) {
    bridge.rethrow();
  }
  return result;
}

}  // namespace easel
