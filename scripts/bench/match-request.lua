-- wrk: POST /v1/match-requests with a fixed body (scripts/bench/report.sh
-- passes the founder's Authorization header with -H).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"topics":["sales","hiring"],"location":{"municipalityCode":"01207"},"radiusKm":50,"message":"販路と採用の相談をしたいです"}'
