#include "easel/run/render_state.hpp"

namespace easel {

RenderState initial_state(const Image& source) {
  return RenderState{source.to_rgba8(), cv::Mat(source.height(), source.width(), CV_8U, cv::Scalar(0)),
                     cv::Point(0, 0)};
}

}  // namespace easel
