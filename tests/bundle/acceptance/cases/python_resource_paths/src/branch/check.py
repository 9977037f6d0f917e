# Databricks notebook source
print("check")
