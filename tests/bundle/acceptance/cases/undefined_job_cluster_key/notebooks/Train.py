# Databricks notebook source
print('hi')
