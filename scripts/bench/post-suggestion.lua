-- wrk script: POST /api/v1/suggestions with a fresh Idempotency-Key per request.
-- TOKEN comes from the environment (a resident's access token).
local counter = 0
local thread_id = 0
local token = os.getenv("TOKEN")

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  math.randomseed(os.time() + id)
end

local texts = {
  "3号楼电梯经常停运，老人上下楼很不方便，希望尽快维修",
  "小区东门晚上路灯不亮，走路很危险",
  "楼下餐馆油烟太大，窗户都不敢开",
  "地下车库漏水严重，车都被泡了",
  "垃圾分类点太少，建议在5号楼旁边增加一个",
  "希望增加电动自行车充电桩，楼道里飞线充电很危险",
}

function request()
  counter = counter + 1
  local key = string.format("bench-%d-%d-%d", id, counter, math.random(1, 1e9))
  local body = string.format('{"text":"%s（%d）"}', texts[(counter % #texts) + 1], counter)
  return wrk.format("POST", "/api/v1/suggestions", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = key,
  }, body)
end

function done(summary, latency, requests)
  io.write(string.format('{"requests":%d,"errors_status":%d,"duration_s":%.2f,"rps":%.1f,"p50_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.errors.status, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
