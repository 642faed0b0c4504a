// object.add: paint something new into a region from a prompt (generative inpainting).
#include "easel/ops/generation.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

OpOutput add_object(const Image& input, const Params& p, const cv::Mat& weight, const RunContext& context) {
  GenerationRequest request = generation_request(p, GenerationMode::inpaint, "object.add", context);
  request.strength = p.number("strength");
  return {inpaint_within(input, weight, std::move(request), static_cast<int>(p.integer("working_size")), "object.add",
                         context, seam_blend_of(p)),
          std::nullopt};
}

}  // namespace

void register_object_add(Registry& registry) {
  OperationSpec spec;
  spec.name = "object.add";
  spec.description = "Add an object described by a prompt inside a region (generative inpainting)";
  spec.params = {make_param("prompt", ParamType::string, "What to add, e.g. \"a red kite\""),
                 make_param("strength", ParamType::number, "How much of the region's content is replaced (1 = all)",
                            1.0, 0.05, 1)};
  spec.params.front().required = true;
  declare_region_inpainting(spec);
  spec.run_in_region = add_object;
  registry.add(std::move(spec));
}

}  // namespace easel
