// background.blur: render the background out of focus, as a lens with a wide aperture would, keeping the
// subject sharp (the executor blends within the background's weight).
#include "easel/ops/background_lens_blur.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

OpOutput blur(const Image& input, const Params& p, const cv::Mat& background, const RunContext&) {
  const cv::Mat image = input.to_rgba8().mat();
  return {Image(lens_blur(image, background, lens_blur_radius(image.size(), p.number("strength")))), std::nullopt};
}

}  // namespace

void register_background_blur(Registry& registry) {
  OperationSpec spec;
  spec.name = "background.blur";
  spec.description = "Blur the background like an out-of-focus lens, keeping the subject sharp";
  spec.params = {
      make_param("strength", ParamType::number, "Blur strength; 1 is a disc 4 % of the longer side", 0.5, 0.05, 1)};
  spec.regions = {RegionKind::segmentation, RegionKind::mask};
  spec.model = "segmentation";
  spec.run_in_region = blur;
  registry.add(std::move(spec));
}

}  // namespace easel
