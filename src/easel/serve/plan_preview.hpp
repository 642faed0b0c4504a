#pragma once
// POST /v1/plans: the plan an edit request would run, shown before running it (the web workspace
// previews it as the user types). The instruction planner and plan explainer do the work; this file
// only reads the request and lays out their answer.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "easel/serve/edit_request.hpp"

namespace easel::serve {

// `body` is {"prompt": text, "references": 0..15 (images after the source, default 0), "mask": bool,
// "size": "auto" or WxH (the edit's size field: its crop and resize steps are shown too)}.
// Returns {"object": "plan", "plan": EditPlan JSON, "steps": [{op, description, touches, target, params,
// clause}], "preserve": [{touches, clause}], "unsupported": [{clause, reason}], "explanation": text,
// "runnable": bool}. Files in the plan are named as the edit endpoint names them: "image[1]"…, "mask".
// Ops check that the files they read exist, so the uploads to come are stood in for by empty files in a
// folder under `scratch_dir`, removed before returning. Throws ApiError (400 naming the field) for a
// missing, unknown or invalid field.
nlohmann::json preview_plan(const nlohmann::json& body, const RequestLimits& limits,
                            const std::filesystem::path& scratch_dir);

}  // namespace easel::serve
