// object.replace: repaint what is in a region as something else described by a prompt (generative inpainting).
#include "easel/ops/generation.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

OpOutput replace_object(const Image& input, const Params& p, const cv::Mat& weight, const RunContext& context) {
  GenerationRequest request = generation_request(p, GenerationMode::inpaint, "object.replace", context);
  request.strength = p.number("strength");
  return {inpaint_within(input, weight, std::move(request), static_cast<int>(p.integer("working_size")),
                         "object.replace", context, seam_blend_of(p)),
          std::nullopt};
}

}  // namespace

void register_object_replace(Registry& registry) {
  OperationSpec spec;
  spec.name = "object.replace";
  spec.description = "Replace what is in a region with something described by a prompt (generative inpainting)";
  spec.params = {
      make_param("prompt", ParamType::string, "What the region should show instead, e.g. \"a bowl of oranges\""),
      make_param("strength", ParamType::number,
                 "How much of the region's content is replaced (1 = all; lower keeps its shape and colours)", 1.0, 0.05,
                 1)};
  spec.params.front().required = true;
  declare_region_inpainting(spec);
  spec.run_in_region = replace_object;
  registry.add(std::move(spec));
}

}  // namespace easel
