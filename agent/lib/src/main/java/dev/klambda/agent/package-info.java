/**
 * The execution environment agent. An {@link dev.klambda.agent.ExecutionEnvironment} supervises
 * one runtime process, serves it the Lambda Runtime API and Extensions API, and runs invocations
 * through it one at a time with Lambda's lifecycle: INIT, INVOKE (timeout, crash, memory limit)
 * and SHUTDOWN. Standalone mode embeds one per environment; in a pod, the agent's main runs one
 * behind an endpoint compatible with AWS's Runtime Interface Emulator.
 */
package dev.klambda.agent;
