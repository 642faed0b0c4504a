#pragma once
// The files a step reads besides the image it edits: a mask target (its own or one it keeps) and
// image-file parameters (a reference photo, a picture to paste or to put behind the subject). Their
// contents are part of the step's identity (cache keys) and documents keep copies of them.
#include <vector>

#include "easel/plan/edit_plan.hpp"

namespace easel {

// The JSON strings holding those paths inside `step`, so callers can read or rewrite them.
std::vector<json*> file_paths_of(PlanStep& step);

}  // namespace easel
