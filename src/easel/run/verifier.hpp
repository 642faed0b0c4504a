#pragma once
// Checks what can be checked after a render (DESIGN §5): that pixels outside every edited region are
// still the source's, and how much of the image was edited.
#include <optional>

#include <nlohmann/json.hpp>

#include "easel/image/image.hpp"
#include "easel/run/render_state.hpp"

namespace easel {

struct PreservationReport {
  double edited_fraction = 0;                // share of result pixels some step could change
  std::uint64_t changed_pixels_outside = 0;  // expected 0
  std::optional<double> psnr_outside_db;     // absent when nothing outside changed (infinite)
  std::optional<double> ssim_outside;        // absent when there is no unedited area to compare
  bool comparable = true;                    // false after resampling: no pixel maps to a source pixel
};

PreservationReport verify_preservation(const Image& source, const RenderState& result);
nlohmann::json to_json(const PreservationReport& report);

}  // namespace easel
